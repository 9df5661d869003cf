"""使用说明: what each role does, step by step, and what each contract problem P01–P12 means, the rule the
system applies (with the user's county's own thresholds) and its legal basis."""
from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from contracts.models import ProblemCode
from contracts.services import rule_settings_for
from core.models import Role
from core.money import format_yuan
from places.models import County


@dataclass
class Problem:
    code: str
    name: str
    rule: str
    basis: str


BASIS = {
    "P01": "《民法典》第七百零七条（租赁期限六个月以上的，应当采用书面形式）；《农村土地承包法》第四十九条"
           "（以其他方式承包农村土地的，应当签订承包合同）。",
    "P02": "《村民委员会组织法》第二十四条（村集体经济项目的承包方案、以租赁等方式处分村集体财产，"
           "经村民会议讨论决定方可办理）及第二十二条、第二十六条（会议的召开与表决）。",
    "P03": "本县规则参数中的最低承包费标准；《农村土地承包法》第四十九条（承包费通过公开竞标、竞价确定，"
           "或经公开协商议定）；恶意串通损害集体利益的，《民法典》第一百五十四条（该民事法律行为无效）。",
    "P04": "《民法典》第七百零五条（租赁期限不得超过二十年，超过部分无效）；四荒地、林地按本县规则参数所定上限。",
    "P05": "《民法典》第五百七十七条（违约责任）、第七百二十二条（承租人逾期不支付租金的，出租人可以解除合同）。",
    "P06": "本县规则参数：承包期较长的合同应约定承包费调整办法，以免集体收益长期偏低。",
    "P07": "《民法典》第七百三十三条（租赁期限届满，承租人应当返还租赁物）、第七百三十四条"
           "（期满继续使用而出租人未提出异议的，为不定期租赁）。",
    "P08": "合同约定面积与实测面积不符，按实测面积协商变更（《民法典》第五百四十三条）；误差限度为本县规则参数。",
    "P09": "《民法典》第二百六十二条（集体所有的土地由村集体经济组织或者村民委员会依法代表集体行使所有权）、"
           "第一百七十一条（无权代理，未经追认的，对被代理人不发生效力）。",
    "P10": "《民法典》第四百七十条（合同一般包括标的、数量、价款、履行期限等条款）。",
    "P11": "《农村土地承包法》第五十二条（发包给本集体经济组织以外的单位或者个人，须经三分之二以上成员或者"
           "三分之二以上村民代表同意，并报乡（镇）人民政府批准）。",
    "P12": "按具体情形写明事实和依据。",
}


def _rules(county) -> dict[str, str]:
    s = rule_settings_for(county) if county is not None else None
    if s is None:
        return {}
    return {
        "P01": f"签订形式为口头协议或仅有收据，或租期超过 {s.written_required_months} 个月而无合同文本。",
        "P02": "没有关联已通过的民主决策（村民会议或村民代表会议）。",
        "P03": f"每亩年承包费低于下限：机动地 {format_yuan(s.reserve_land_floor)} 元，"
               f"四荒地 {format_yuan(s.wasteland_floor)} 元。合同未填面积时不检查，并在合同页注明。",
        "P04": f"承包期超过 {s.max_term_years} 年（四荒地 {s.wasteland_max_term_years} 年，"
               f"林地 {s.forest_max_term_years} 年）。",
        "P05": "付款计划中有逾期未付的款项。",
        "P06": f"承包期 {s.price_review_term_years} 年以上而没有调价条款。",
        "P07": "终止日期已过，标的仍被使用。",
        "P08": f"实测面积与合同面积相差超过 {s.area_tolerance * 100:.1f}%。",
        "P09": "由村委会或党支部签章，未获授权或追认。",
        "P10": "缺少承包费、起止日期或标的。",
        "P11": "承包方不是本集体经济组织成员，且没有三分之二以上成员（代表）同意和乡镇批准。",
        "P12": "系统不能判断的其他问题，由乡镇专班写明。",
    }


# What each role does, in the order of the work (查找 → 认定 → 规范 → 清收).
ROLE_STEPS = {
    Role.VILLAGE: [
        "“合同”→“登记合同”：逐份登记本村合同，口头协议、只有收据的也要登记；承包方、地块找不到时在表单里直接“登记新当事人/新地块”。",
        "上传合同文本、收据等附件；登记民主决策（四议两公开）并上传会议记录、签到表、公示照片。",
        "“债权”“债务”：登记本村欠款和外欠，逐笔记清收（现金收回须填凭证号）；错账用冲正，不能改删。",
        "“回执登记”：函件送达和回执在登记台扫码或输入编号（编号末尾、债务人姓名也可）登记；登记错了当天可撤销。",
        "“台账”→“导入”：现有的 Excel 台账按原样上传，核对栏目对照和预览后导入。",
    ],
    Role.TOWNSHIP: [
        "“合同”：对各村登记的合同开展调查，填写调查报告（实地踏勘、实测面积、询问当事人）。",
        "“认定”：逐条确认或排除系统提出的问题（排除须写理由），打印合同认定书。",
        "“规范”：确定处置方式（完善修订、终止撤销、司法诉讼、提级处置、重新发包），在“完成处置”页上传证据办结。",
        "“函件”→“批量出具”：先预览名单和金额，近期已收到同类函件的会提示并默认不再出具；出错的函件作废并写明原因。",
        "“异议核实”：债务人对函件有异议的，核实后办结。",
    ],
    Role.COUNTY: [
        "“统计”：看全县、各乡镇、各村的进度和排名，导出进度报告。",
        "“规则参数”“考核与风险参数”：按本县情况调整问题认定标准和风险阈值。",
        "审批：金额达到县级审批标准或拟诉讼的处置，在合同页批准或驳回；提级处置由县里办结。",
    ],
    Role.PROVINCE: [
        "“统计”：看全省各县的进度，按统一权重给各县排名（红黑榜），可逐级查看县、乡镇、村的数字。",
        "只能查看，不能修改任何记录；身份证号显示为掩码。",
    ],
    Role.COLLECTOR: [
        "“债权”：按账龄、时效查看分到自己的欠款，登记催收、送达和清收。",
        "“回执登记”：送达函件后当场登记送达方式和回执结果。",
    ],
    Role.INSPECTOR: [
        "可查看管理范围内的全部合同、债权债务、函件和审计日志；不能修改任何记录。",
        "“审计日志”：谁在什么时间改了什么，改前改后的值都可查。",
    ],
    Role.ADMIN: [
        "在后台管理用户、角色和管理范围；保存过的台账栏目对照可在后台查看和修改。",
    ],
}


class HelpView(LoginRequiredMixin, TemplateView):
    template_name = "reports/help.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        county = user.county or (user.township.county if user.township_id else None) or (
            user.village.township.county if user.village_id else None)
        if county is None and user.scope_level == "all":
            county = County.objects.order_by("pk").first()
        rules = _rules(county)
        problems = [Problem(code, label.removeprefix(code).strip(), rules.get(code, ""), BASIS[code])
                    for code, label in ProblemCode.choices]
        roles = [{"label": label, "steps": ROLE_STEPS.get(value, []), "mine": value == user.role}
                 for value, label in Role.choices]
        roles.sort(key=lambda r: not r["mine"])
        return super().get_context_data(problems=problems, roles=roles, county=county, **kwargs)
