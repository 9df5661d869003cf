"""Workbooks built in tests (imported by tests only): ledgers as townships write them."""
from io import BytesIO

from openpyxl import Workbook, load_workbook


def workbook(header: list, rows: list[list], *, title_rows: int = 0, path=None, sheet_title: str = "台账",
             hidden_rows: tuple[int, ...] = (), hidden_columns: tuple[str, ...] = ()) -> bytes:
    """A ledger sheet: `title_rows` merged title rows above the header, then the header and the rows; the
    Excel rows and column letters named are hidden. A text starting with `=` is a formula, which openpyxl
    saves without its result (as every program but Excel does)."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for n in range(title_rows):
        sheet.append([f"峪口镇合同清理台账（第{n + 1}行标题）" if n == 0 else "填报单位：峪口镇经管站　2026年5月"])
        sheet.merge_cells(start_row=n + 1, start_column=1, end_row=n + 1, end_column=max(len(header), 2))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for number in hidden_rows:
        sheet.row_dimensions[number].hidden = True
    for letter in hidden_columns:
        sheet.column_dimensions[letter].hidden = True
    out = BytesIO()
    book.save(out)
    content = out.getvalue()
    if path is not None:
        path.write_bytes(content)
    return content


def read_rows(content: bytes, sheet: int = 0) -> list[tuple]:
    book = load_workbook(BytesIO(content))
    return [tuple(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]


def encrypted(content: bytes, password: str = "mima2026") -> bytes:
    """The workbook as Excel saves it with an open password (an OLE2 file holding the encrypted package)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = BytesIO()
    OOXMLFile(BytesIO(content)).encrypt(password, out)
    return out.getvalue()


def _rename_ole_entry(data: bytes, old: str, new: str) -> bytes:
    start = data.index(old.encode("utf-16-le"))
    name = new.encode("utf-16-le")
    entry = bytearray(data[start:start + 128])
    entry[0:64] = name + b"\0" * (64 - len(name))
    entry[64:66] = (len(name) + 2).to_bytes(2, "little")
    return data[:start] + bytes(entry) + data[start + 128:]


def old_xls(content: bytes) -> bytes:
    """An OLE2 file whose streams are named as in an Excel 97–2003 workbook (.xls)."""
    data = encrypted(content)
    return _rename_ole_entry(_rename_ole_entry(data, "EncryptedPackage", "Workbook"), "EncryptionInfo",
                             "SummaryInfo")


def zip_bomb(path, megabytes: int) -> None:
    """An .xlsx-shaped zip whose one sheet unpacks to `megabytes` MB of nothing."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(megabytes):
                member.write(block)


def with_dimension(content: bytes, ref: str) -> bytes:
    """The workbook with its first sheet declaring the size `ref` (`A1:Q2`), whatever it holds: as programs
    that write the declaration first and the rows after leave it."""
    import re
    import zipfile

    out = BytesIO()
    with zipfile.ZipFile(BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data)
                assert count == 1, "the sheet declares no size"
            target.writestr(info, data)
    return out.getvalue()


# Padding strings that no cell uses: unique (so nothing is shared in memory), compressing some 75 to 1
# (so the compression-ratio check lets them through).
_PAD = "峪口镇峪口村集体经济合同清理台账" * 4


def strings_bomb(path, megabytes: float, header: list | None = None, rows: list[list] | None = None) -> None:
    """A real ledger (a header and a row; its sheet declares `A1:E2`) whose texts sit in a shared strings
    table, as Excel saves them, padded until it unpacks to `megabytes` MB: an 11 MB file holds 760 MB,
    which openpyxl would hold in memory whole."""
    import re
    import zipfile

    header = header or ["乡镇", "村", "合同编号", "承包方", "年承包费(元)"]
    rows = rows or [["峪口镇", "峪口村", "HT-1", "张三", "1,000"]]
    texts = []

    def shared(match) -> bytes:
        texts.append(match[2])
        return match[1] + b' t="s"><v>' + str(len(texts) - 1).encode() + b"</v></c>"

    goal = int(megabytes * 1024 * 1024)
    with zipfile.ZipFile(BytesIO(workbook(header, rows))) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes its texts in the cells (inline strings): moved to the table.
                data = re.sub(rb'(<c r="[A-Z]+\d+"[^>]*?) t="inlineStr"><is><t>(.*?)</t></is></c>', shared, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
                                    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                    b'sharedStrings"/></Relationships>')
            target.writestr(info, data)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"".join(
                b"<si><t>" + text + b"</t></si>" for text in texts)
            member.write(head)
            written, number = len(head), 0
            while written < goal:
                block = "".join(f"<si><t>{number + n:08x}{_PAD}</t></si>" for n in range(2000)).encode()
                member.write(block)
                written += len(block)
                number += 2000
            member.write(b"</sst>")
