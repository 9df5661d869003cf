"""Letter pages: the list, one letter with its delivery and receipt, its PDF, a batch, the receipt desk, disputes.

Thin, as everywhere: fetch through the user's scope (404), check the right
(403), validate, call one service from `debts.letters.services`, redirect or re-render.
"""
import re
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Q, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView, TemplateView

from core import permissions as perms
from core.domain import letter_repeat_days
from core.files import private_file_response
from core.generic import ObjectFormView, RecordDetailView, RecordListView, require_valid, run_action
from core.jobs import jobs_for
from core.pdf import pdf_response
from core.scoping import ScopedMixin, check_perm
from core.submissions import SubmittedOnceMixin
from debts import selectors
from debts.models import Letter
from debts.selectors import dispute_list, letter_detail, letter_list

from . import services
from .forms import (
    AnswerForm,
    BatchForm,
    DeliveryForm,
    DeskAnswerForm,
    DeskDeliveryForm,
    DeskLookupForm,
    DisputeCloseForm,
    DisputeFilter,
    LetterFilter,
    LetterKindForm,
    VoidForm,
)
from .selectors import recent_letters, select_groups, state_counts


def letter_url(letter) -> str:
    return reverse("letters:letter-detail", args=[letter.pk])


# --- List and detail ------------------------------------------------------------------------


class LetterListView(RecordListView):
    template_name = "debts/letters/letter_list.html"
    exporter = "letters"
    filterset_class = LetterFilter

    def get_queryset(self):
        return letter_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listed = context["filter"].qs
        context["state_counts"] = state_counts(listed)
        context["total"] = selectors.list_totals(listed, "total")["total"]
        job = context["filter"].form.cleaned_data.get("job") if context["filter"].form.is_valid() else None
        if job and perms.has_perm(self.request.user, perms.CLAIM_MANAGE):
            # A batch issued twice: its letters not yet served may all be voided at once.
            context["batch_void"] = {"job": int(job), "form": VoidForm(),
                                     "n": listed.filter(state=Letter.State.ISSUED).count()}
        return context


class LetterDetailView(RecordDetailView):
    template_name = "debts/letters/letter_detail.html"

    def get_queryset(self):
        return letter_detail(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        letter = self.object
        can_follow_up = perms.has_perm(self.request.user, perms.CLAIM_FOLLOW_UP)
        context.update(
            items=list(letter.items.all()),
            dispute=getattr(letter, "dispute", None),
            can_deliver=can_follow_up and letter.state == Letter.State.ISSUED,
            can_answer=can_follow_up and letter.state in (Letter.State.ISSUED, Letter.State.DELIVERED),
            can_undo=can_follow_up and letter.answer_undoable,
            can_void=perms.has_perm(self.request.user, perms.CLAIM_MANAGE) and letter.state == Letter.State.ISSUED,
            delivery_form=DeliveryForm(),
            answer_form=AnswerForm(),
            job_url=_job_url(letter.job_id) if letter.job_id else "",
        )
        return context


def _job_url(job_id: int) -> str:
    try:
        return reverse("core:job-detail", args=[job_id])
    except NoReverseMatch:
        return f"/jobs/{job_id}/"


@require_GET
@login_required
def letter_pdf(request, pk):
    """One letter as its own PDF, for reprinting a lost copy or a letter issued from a claim's page."""
    from .pdf import render_letters

    letter = get_object_or_404(letter_list(request.user), pk=pk)
    if letter.state == Letter.State.VOID:
        messages.error(request, f"{letter.number} 已作废（{letter.void_reason}），不再打印。")
        return redirect(letter)
    content, _pages = render_letters([letter.pk])
    return pdf_response(content, f"{letter.kind}-{letter.number}.pdf")


@require_GET
@login_required
def letter_photo(request, pk):
    """The delivery photo is served only here, to users whose scope holds the letter."""
    letter = get_object_or_404(letter_list(request.user), pk=pk)
    if not letter.delivery_photo:
        raise Http404("该函件没有送达照片。")
    extension = letter.delivery_photo.name.rsplit(".", 1)[-1]
    return private_file_response(letter.delivery_photo.open("rb"), filename=f"送达照片-{letter.number}.{extension}")


# --- Issuing ----------------------------------------------------------------------------------


@require_POST
@login_required
def claim_letter(request, pk):
    """“出具函件” on a claim's page: one letter to the debtor listing all their open claims in that village."""
    claim = get_object_or_404(selectors.claim_list(request.user), pk=pk)
    check_perm(request.user, perms.CLAIM_FOLLOW_UP)
    form = LetterKindForm(request.POST)
    try:
        require_valid(form)
        letter = services.letter_issue_for_claim(user=request.user, claim=claim, kind=form.cleaned_data["kind"])
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect(claim)
    messages.success(request, f"已出具{letter.kind} {letter.number}，可打印后送达。")
    return HttpResponseRedirect(letter_url(letter))


class LetterBatchView(SubmittedOnceMixin, ScopedMixin, FormView):
    """Choose a batch, see whom it letters (and who had a letter of the same kind lately), then start it: the
    letters are numbered and printed by a background job whose page shows progress.

    One job per page: a second click on “开始生成” is sent to the job the first started. A batch is started
    only for the conditions the preview was shown for.
    """

    template_name = "debts/letters/letter_batch.html"
    form_class = BatchForm
    permission = perms.CLAIM_MANAGE
    success_message = "已开始生成函件，完成后可在本页下载。"
    repeated_message = "这批函件已经开始生成了（同一次提交），未重复生成。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def submission_label(self, form):
        data = form.cleaned_data
        return f"批量出具{data['kind']}（{len(data['villages'])} 个村，截至 {data['as_of']:%Y-%m-%d}）"

    def form_valid(self, form):
        if "issue" in self.request.POST and form.cleaned_data["previewed"] == form.conditions():
            return super().form_valid(form)
        if "issue" in self.request.POST:
            messages.warning(self.request, "选择条件已改变，请核对下面的预览后再开始生成。")
        form.data = form.data.copy()
        form.data["previewed"] = form.conditions()
        return self.render_to_response(self.get_context_data(form=form, preview=self.preview(form)))

    def preview(self, form) -> dict:
        """Whom the batch letters, for how much, and who had a letter of the same kind lately."""
        data, run_out = form.cleaned_data, []
        groups = select_groups(user=self.request.user, villages=list(data["villages"]), min_balance=data["min_balance"],
                               origins=data["origins"], age=data["age"], today=data["as_of"], kind=data["kind"],
                               left_out=run_out)
        too_large = [g for g in groups if g.too_large]
        groups = [g for g in groups if not g.too_large]
        recent = recent_letters(groups, data["kind"])
        rows = [{"group": g, "recent": recent.get((g.village.pk, g.debtor.pk))} for g in groups]
        issued = rows if data["include_recent"] else [r for r in rows if r["recent"] is None]
        return {
            "rows": rows[:PREVIEW_ROWS], "more": max(0, len(rows) - PREVIEW_ROWS), "count": len(issued),
            "total": sum((r["group"].total for r in issued), Decimal("0")),
            "recent": [r for r in rows if r["recent"] is not None][:PREVIEW_ROWS], "recent_count": len(recent),
            "repeat_days": letter_repeat_days(), "run_out": run_out[:20], "run_out_count": len(run_out),
            "too_large": [g.too_large_message() for g in too_large],
        }

    def act(self, form):
        data = form.cleaned_data
        self.job = services.letters_job_create(
            user=self.request.user, villages=list(data["villages"]), kind=data["kind"],
            min_balance=data["min_balance"], origins=data["origins"], age=data["age"], as_of=data["as_of"],
            include_recent=data["include_recent"])

    def get_success_url(self):
        return _job_url(self.job.pk)


PREVIEW_ROWS = 300


# --- Delivery and receipt on the letter's page -----------------------------------------------


class _LetterAction(ObjectFormView):
    template_name = "debts/letters/letter_action.html"
    permission = perms.CLAIM_FOLLOW_UP

    def get_queryset(self):
        return letter_detail(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(letter=self.object, letter_url=letter_url(self.object), **kwargs)

    def get_success_url(self):
        return letter_url(self.object)


class LetterDeliverView(_LetterAction):
    form_class = DeliveryForm
    extra_context = {"title": "登记送达", "multipart": True}
    success_message = "送达已登记。"

    def act(self, form):
        data = form.cleaned_data
        services.letter_deliver(user=self.request.user, letter=self.object, delivered_on=data["delivered_on"],
                                delivery=data["delivery"], delivered_by=data["delivered_by"], photo=data["photo"])


class LetterAnswerView(_LetterAction):
    form_class = AnswerForm
    extra_context = {"title": "登记回执"}

    def act(self, form):
        data = form.cleaned_data
        services.letter_answer(user=self.request.user, letter=self.object, result=data["result"],
                               answered_on=data["answered_on"], disputed_amount=data["disputed_amount"],
                               reason=data["reason"])
        self.success_message = ANSWER_MESSAGES[data["result"]]


class LetterVoidView(_LetterAction):
    """作废 a letter not yet served: it keeps its number, marked void with the reason."""

    form_class = VoidForm
    permission = perms.CLAIM_MANAGE
    extra_context = {"title": "作废函件"}
    success_message = "函件已作废，编号保留在登记簿中并注明作废原因。"

    def act(self, form):
        services.letter_void(user=self.request.user, letter=self.object, reason=form.cleaned_data["reason"])


@require_POST
@login_required
def letters_void_batch(request, job):
    """作废 the letters of one batch not yet served (from the letter list filtered by that batch)."""
    check_perm(request.user, perms.CLAIM_MANAGE)
    back = reverse("letters:letter-list") + "?" + urlencode({"job": job})
    batch = get_object_or_404(jobs_for(request.user).filter(kind="letters"), pk=job)
    form = VoidForm(request.POST)
    try:
        require_valid(form)
        n = services.letters_void_batch(user=request.user, job=batch, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return HttpResponseRedirect(back)
    messages.success(request, f"已作废这批中尚未送达的 {n} 份函件，编号保留并注明作废原因。")
    return HttpResponseRedirect(back)


@require_POST
@login_required
def letter_answer_undo(request, pk):
    """撤销 today's receipt registration (from the letter's page or the receipt desk)."""
    letter = _desk_letter(request, pk)
    action = lambda: services.letter_answer_undo(user=request.user, letter=letter)  # noqa: E731
    if request.htmx:
        try:
            action()
        except ValidationError as error:
            return _desk_reply(request, letter, error="；".join(error.messages))
        return _desk_reply(request, letter, done=UNDONE)
    return run_action(request, letter, action, UNDONE)


UNDONE = "已撤销回执登记，函件恢复为登记前的状态。"

ANSWER_MESSAGES = {
    Letter.State.CONFIRMED: "回执已登记：债务人确认无误，诉讼时效自回执日期起重新计算。",
    Letter.State.DISPUTED: "回执已登记：有异议，已转乡镇专班核实。",
    Letter.State.RETURNED: "已登记退回。",
}


# --- The receipt desk -------------------------------------------------------------------------


class ReceiptDeskView(ScopedMixin, TemplateView):
    """Type, scan (USB scanner) or photograph (QR) a letter number, then record what came back in two clicks.

    A number outside the user's scope reads exactly like an unknown one.
    """

    template_name = "debts/letters/receipt_desk.html"
    permission = perms.CLAIM_FOLLOW_UP

    def get(self, request, *args, **kwargs):
        context = {"today": timezone.localdate()}
        if "number" in request.GET:
            form = DeskLookupForm(request.GET)
            if form.is_valid():
                number = form.cleaned_data["number"]
                letter, candidates = desk_lookup(letter_detail(request.user), number)
                context.update(number=number, letter=letter, candidates=candidates,
                               not_found=letter is None and not candidates)
            else:
                context["error"] = "；".join(e for errors in form.errors.values() for e in errors)
        if request.htmx:
            return render(request, "debts/letters/_desk_result.html", context)
        return self.render_to_response(self.get_context_data(**context))


DESK_CANDIDATES = 20


def desk_lookup(letters, text: str) -> tuple[Letter | None, list[Letter]]:
    """(the letter, or None with the candidates to choose from) for what was typed or scanned at the desk:
    the whole number; its end (`后沟村-2026-0006`, or `2026-0006` from a scanner that cannot type Chinese),
    with whatever stands before it matched within the number; or part of a number or the debtor's name
    (pinyin initials too). Letters still waiting for delivery or a receipt come first."""
    letter = letters.filter(number=text).first()
    if letter is not None:
        return letter, []
    tail = re.search(r"(\d{4})-(\d{1,6})$", text)
    if tail:
        found = letters.filter(number__endswith=f"-{tail[1]}-{int(tail[2]):04d}")
        prefix = text[:tail.start()].strip("-")
        if prefix:
            found = found.filter(number__icontains=prefix)
    else:
        condition = Q(number__icontains=text) | Q(debtor__name__icontains=text)
        if text.isascii() and text.isalpha():
            condition |= Q(debtor__search_keys__icontains=text.lower())
        found = letters.filter(condition)
    waiting = Case(When(state__in=[Letter.State.ISSUED, Letter.State.DELIVERED], then=0), default=1)
    candidates = list(found.annotate(waiting=waiting).order_by("waiting", "-created_at", "-pk")[:DESK_CANDIDATES])
    if len(candidates) == 1:
        return candidates[0], []
    return None, candidates


def _desk_letter(request, pk) -> Letter:
    letter = get_object_or_404(letter_detail(request.user), pk=pk)
    check_perm(request.user, perms.CLAIM_FOLLOW_UP)
    return letter


def _desk_reply(request, letter: Letter, *, done: str = "", error: str = ""):
    """The desk's answer to a button: the refreshed letter card (htmx), or back to the desk (no script)."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif done:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("letters:receipt-desk") + "?" + urlencode({"number": letter.number}))
    letter = letter_detail(request.user).get(pk=letter.pk)
    return render(request, "debts/letters/_desk_result.html",
                  {"letter": letter, "number": letter.number, "done": done, "error": error,
                   "today": timezone.localdate()})


@require_POST
@login_required
def desk_deliver(request, pk):
    letter = _desk_letter(request, pk)
    form = DeskDeliveryForm(request.POST)
    try:
        require_valid(form)
        services.letter_deliver(user=request.user, letter=letter, delivered_on=form.cleaned_data["on"],
                                delivery=form.cleaned_data["delivery"])
    except ValidationError as error:
        return _desk_reply(request, letter, error="；".join(error.messages))
    return _desk_reply(request, letter, done=f"已登记送达（{form.cleaned_data['delivery']}）。")


@require_POST
@login_required
def desk_answer(request, pk):
    letter = _desk_letter(request, pk)
    form = DeskAnswerForm(request.POST)
    try:
        require_valid(form)
        data = form.cleaned_data
        services.letter_answer(user=request.user, letter=letter, result=data["result"], answered_on=data["on"],
                               disputed_amount=data["disputed_amount"], reason=data["reason"])
    except ValidationError as error:
        return _desk_reply(request, letter, error="；".join(error.messages))
    return _desk_reply(request, letter, done=ANSWER_MESSAGES[data["result"]])


# --- Disputes ------------------------------------------------------------------------------------


class DisputeListView(RecordListView):
    template_name = "debts/letters/dispute_list.html"
    filterset_class = DisputeFilter

    def get_queryset(self):
        return dispute_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["open_count"] = context["filter"].qs.filter(closed_on__isnull=True).count()
        return context


class DisputeCloseView(ObjectFormView):
    template_name = "debts/letters/letter_action.html"
    form_class = DisputeCloseForm
    permission = perms.CLAIM_MANAGE
    extra_context = {"title": "异议核实办结"}
    success_message = "异议已办结。"

    def get_queryset(self):
        return dispute_list(self.request.user)

    def get_context_data(self, **kwargs):
        letter = self.object.letter
        return super().get_context_data(letter=letter, letter_url=letter_url(letter), dispute=self.object,
                                        **kwargs)

    def act(self, form):
        services.dispute_close(user=self.request.user, task=self.object, outcome=form.cleaned_data["outcome"],
                               closed_on=form.cleaned_data["closed_on"])

    def get_success_url(self):
        return reverse("letters:dispute-list")
