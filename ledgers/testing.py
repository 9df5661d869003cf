"""Workbooks built in tests (imported by tests only): ledgers as townships write them."""
from io import BytesIO

from openpyxl import Workbook, load_workbook


def workbook(header: list, rows: list[list], *, title_rows: int = 0, path=None, sheet_title: str = "台账") -> bytes:
    """A ledger sheet: `title_rows` merged title rows above the header, then the header and the rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for n in range(title_rows):
        sheet.append([f"峪口镇合同清理台账（第{n + 1}行标题）" if n == 0 else "填报单位：峪口镇经管站　2026年5月"])
        sheet.merge_cells(start_row=n + 1, start_column=1, end_row=n + 1, end_column=max(len(header), 2))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
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
