"""Reading testimony: CSV, text files, transcripts; clear errors; nothing half-imported."""

from __future__ import annotations

import codecs

import pytest

from voxpop.listen import io
from voxpop.listen.io import TestimonyError as BadInput
from voxpop.listen.io import read_sources


def _w(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_csv_with_place_speaker_and_attributes(tmp_path):
    p = _w(tmp_path / "a.csv", '\ufeffid,text,place,speaker,age\n1,"He said ""hi"".\nThen left.",Leeds,ana,18-24\n'
           "2,Parks matter.,,,\n")
    sources, ts = read_sources([p])
    assert [s.kind for s in sources] == ["csv"] and sources[0].n_testimonies == 2
    assert ts[0].text == 'He said "hi".\nThen left.' and ts[0].place == "Leeds"
    assert ts[0].speaker == "ana" and ts[0].attributes == {"age": "18-24"} and ts[0].line == 2
    assert ts[1].speaker == "2" and ts[1].place is None and ts[1].attributes == {} and ts[1].line == 4


def test_text_file_and_transcript_offsets_point_into_the_file(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    _w(d / "note.txt", "# place: York\n# age: 65+\n\nThe bus stopped running.\nNobody asked us.\n")
    tr = ("# place: Hull\n# speaker Ana: age=18-24; place=Leeds\n"
          "[00:00:01] Interviewer: What matters to you?\n"
          "Ana: Rent. It is too high.\n   And the damp never goes.\n"
          "**Bo:** Buses, honestly.\n")
    _w(d / "talk.md", tr)
    sources, ts = read_sources([d])
    assert [s.kind for s in sources] == ["text", "transcript"]
    note = ts[0]
    assert note.id == "note" and note.place == "York" and note.attributes == {"age": "65+"}
    assert note.text == "The bus stopped running.\nNobody asked us."
    raw = (d / "note.txt").read_text()
    assert raw[note.source_start:note.source_start + len(note.text)] == note.text
    turns = ts[1:]
    assert [t.speaker for t in turns] == ["Interviewer", "Ana", "Bo"]
    assert turns[1].text == "Rent. It is too high.\n   And the damp never goes."
    assert turns[1].place == "Leeds" and turns[1].attributes == {"age": "18-24"}
    assert turns[2].place == "Hull" and turns[2].text == "Buses, honestly."
    for t in turns:
        assert tr[t.source_start:t.source_start + len(t.text)] == t.text


@pytest.mark.parametrize("content, match", [
    (b"id,text\n1,caf\xe9 au lait\n", r"not valid UTF-8 \(bad byte 0xe9 at byte 13, line 2\)"),
    (b"", "empty"),
    (b"  \n\n", "empty"),
    (b"id,text\n", "no rows"),
    (b"ident,body\n1,x\n", "missing column"),
    (b"id,text\n1,hello\n1,again\n", "line 3: id '1' already used on line 2"),
    (b"id,text\n1,hello\n2,   \n", "line 3: testimony '2' has empty text"),
    # UTF-16 without a byte-order mark is not guessed at: its NUL characters are refused
    ("id,text\n1,hi\n".encode("utf-16-le"), "contains NUL characters"),
    # UTF-16 with a BOM that is cut off (odd byte count) or has an unpaired surrogate
    (codecs.BOM_UTF16_LE + "id,text\n1,hi\n".encode("utf-16-le") + b"x",
     r"not valid UTF-16 LE \(a broken character at byte 28, line 3\); re-save the file as UTF-8"),
    (codecs.BOM_UTF16_BE + "id,text\n1,h".encode("utf-16-be") + b"\xdc\x00" + "i\n".encode("utf-16-be"),
     r"not valid UTF-16 BE \(a broken character at byte 24, line 2\)"),
    (codecs.BOM_UTF16_LE, "empty"),
    # UTF-32 with a BOM: cut off (a byte count that is not a multiple of 4), a code beyond U+10FFFF, a surrogate;
    # without a BOM it is refused for its NUL characters, as UTF-16 is
    (codecs.BOM_UTF32_LE + "id,text\n1,hi\n".encode("utf-32-le") + b"x\x00",
     r"not valid UTF-32 LE \(a broken character at byte 56, line 3\); re-save the file as UTF-8"),
    (codecs.BOM_UTF32_BE + "id,text\n1,h".encode("utf-32-be") + b"\x00\x11\x00\x00" + "i\n".encode("utf-32-be"),
     r"not valid UTF-32 BE \(a broken character at byte 48, line 2\)"),
    (codecs.BOM_UTF32_LE + "id,text\n".encode("utf-32-le") + b"\x00\xd8\x00\x00",
     r"not valid UTF-32 LE \(a broken character at byte 36, line 2\)"),
    ("id,text\n1,hi\n".encode("utf-32-le"), "contains NUL characters"),
    (codecs.BOM_UTF32_LE, "empty"),
    (codecs.BOM_UTF32_BE + "  \n".encode("utf-32-be"), "empty"),
    # a quote never closed would swallow every row after it into one testimony
    (b'id,text\n1,"Unterminated\n2,Nobody asked us.\n3,Rent.\n', "line 2: a quote opened on this line is never closed"),
])
def test_bad_csv_inputs_give_clear_errors(tmp_path, content, match):
    p = _w(tmp_path / "bad.csv", content)
    with pytest.raises(BadInput, match=match) as err:
        read_sources([p])
    assert "bad.csv" in str(err.value)


def test_oversized_testimony_and_file_are_refused(tmp_path):
    p = _w(tmp_path / "big.txt", "word " * (io.MAX_TESTIMONY_CHARS // 5 + 10))
    with pytest.raises(BadInput, match="over the 200,000 limit"):
        read_sources([p])
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as fh:
        fh.write(b"id,text\n")
        fh.truncate(io.MAX_FILE_BYTES + 1)
    with pytest.raises(BadInput, match="byte limit"):
        read_sources([huge])


def test_nothing_half_imported_and_unknown_paths(tmp_path):
    good = _w(tmp_path / "a.csv", "id,text\n1,fine\n")
    bad = _w(tmp_path / "b.txt", b"\xff\xfe broken")
    with pytest.raises(BadInput, match="b.txt"):
        read_sources([good, bad])
    with pytest.raises(BadInput, match="no such file"):
        read_sources([tmp_path / "missing.csv"])
    with pytest.raises(BadInput, match="unsupported file type"):
        read_sources([_w(tmp_path / "x.pdf", "x")])
    with pytest.raises(BadInput, match="also used"):
        read_sources([good, _w(tmp_path / "c.csv", "id,text\n1,dup\n")])


def test_a_quote_closed_on_a_later_line_is_one_testimony_over_several_lines(tmp_path):
    p = _w(tmp_path / "ok.csv", b'id,text\n1,"Rent.\nAnd the damp."\n2,"He said ""no"" twice."\n')
    ts = read_sources([p])[1]
    assert [t.text for t in ts] == ["Rent.\nAnd the damp.", 'He said "no" twice.']


def test_the_unclosed_quote_message_is_put_into_welsh(tmp_path):
    from voxpop import i18n

    p = _w(tmp_path / "bad.csv", b'id,text\n1,"Unterminated\n2,x\n')
    with pytest.raises(BadInput) as err:
        read_sources([p])
    with i18n.use_locale("cy"):
        assert "heb ei gau" in io.in_reader_language(str(err.value))


UTF16_BOMS = [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]
# UTF-32 LE's byte-order mark (FF FE 00 00) starts with UTF-16 LE's: such a file must not be read as UTF-16
UNICODE_BOMS = UTF16_BOMS + [("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", codecs.BOM_UTF32_BE)]


@pytest.mark.parametrize("encoding, bom", UNICODE_BOMS)
def test_utf16_csv_with_a_bom_is_read(tmp_path, encoding, bom):
    """Excel's "CSV UTF-16": a BOM, then comma-separated UTF-16; characters outside the BMP kept whole."""
    text = 'id,text,place\r\n1,"Caf\u00e9 \U0001F68C late, ""again""",Leeds\r\n2,Rent is too high.,\r\n'
    p = _w(tmp_path / "a.csv", bom + text.encode(encoding))
    sources, ts = read_sources([p])
    assert [(t.id, t.text, t.place) for t in ts] == [
        ("1", 'Caf\u00e9 \U0001F68C late, "again"', "Leeds"), ("2", "Rent is too high.", None)]
    assert sources[0].kind == "csv" and ts[1].line == 3


@pytest.mark.parametrize("encoding, bom", UNICODE_BOMS)
def test_excel_unicode_text_is_read_as_tab_separated(tmp_path, encoding, bom):
    """Excel's "Unicode Text" is UTF-16 with tabs between columns, saved as .txt (or renamed .csv)."""
    text = 'id\ttext\tage\r\n1\tBuses, honestly.\t18-24\r\n2\t"Two lines:\nrent, damp"\t\r\n'
    for name in ("unicode.txt", "unicode.csv"):
        sources, ts = read_sources([_w(tmp_path / name, bom + text.encode(encoding))])
        assert [(t.id, t.text, t.attributes) for t in ts] == [
            ("1", "Buses, honestly.", {"age": "18-24"}), ("2", "Two lines:\nrent, damp", {})]
        assert sources[0].kind == "csv" and sources[0].text is None


@pytest.mark.parametrize("encoding, bom", UNICODE_BOMS)
def test_utf16_text_file_keeps_exact_offsets_in_the_decoded_text(tmp_path, encoding, bom):
    """A UTF-16 .txt (a transcript here): source_start is a character offset in the decoded text (BOM dropped),
    not a byte offset, so decoded_file[source_start:...] is the testimony, astral characters included."""
    tr = "# place: Caerdydd\n\nAna: Mae'r bws yn hwyr \U0001F68C\u00e9.\nBo: Rent\tis too high, really.\n"
    p = _w(tmp_path / "talk.txt", bom + tr.encode(encoding))
    sources, ts = read_sources([p])
    assert sources[0].kind == "transcript" and sources[0].text == tr
    assert [t.text for t in ts] == ["Mae'r bws yn hwyr \U0001F68C\u00e9.", "Rent\tis too high, really."]
    for t in ts:
        assert tr[t.source_start:t.source_start + len(t.text)] == t.text and t.place == "Caerdydd"
    plain = _w(tmp_path / "note.txt", bom + "\tIndented first line\twith tabs.\n".encode(encoding))
    _, ts = read_sources([plain])  # tabs in its first line but no id/text columns: plain testimony, not a table
    assert ts[0].text == "Indented first line\twith tabs." and ts[0].source_start == 1


def test_bad_utf16_message_is_in_welsh(tmp_path):
    from voxpop import i18n

    p = _w(tmp_path / "bad.csv", codecs.BOM_UTF16_LE + b"i\x00d")
    with pytest.raises(BadInput) as err:
        read_sources([p])
    with i18n.use_locale("cy"):
        welsh = io.in_reader_language(str(err.value))
    assert welsh != str(err.value) and "UTF-16 LE" in welsh and "bad.csv" in welsh


def test_utf32_as_python_and_other_tools_write_it(tmp_path):
    """open(..., encoding="utf-32") writes a BOM then the machine's order (LE here): read as UTF-32, offsets are
    character offsets in the decoded text; the UTF-16 LE BOM that UTF-32 LE's starts with is not mistaken."""
    tr = "Ana: Mae'r bws yn hwyr \U0001F68C.\nBo: Rent, honestly.\n"
    p = tmp_path / "talk.txt"
    with open(p, "w", encoding="utf-32", newline="") as fh:
        fh.write(tr)
    assert p.read_bytes()[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    assert io.encoding_of(p.read_bytes()) == ("utf-32-le" if p.read_bytes()[0] == 0xFF else "utf-32-be", 4)
    sources, ts = read_sources([p])
    assert sources[0].kind == "transcript" and sources[0].text == tr
    assert [t.text for t in ts] == ["Mae'r bws yn hwyr \U0001F68C.", "Rent, honestly."]
    assert all(tr[t.source_start:t.source_start + len(t.text)] == t.text for t in ts)
    # a UTF-16 LE file is still UTF-16 LE (its BOM is followed by a character, not by 00 00)
    assert io.encoding_of(codecs.BOM_UTF16_LE + "id".encode("utf-16-le")) == ("utf-16-le", 2)
    assert io.encoding_of(codecs.BOM_UTF32_LE) == ("utf-32-le", 4)
    assert io.encoding_of(codecs.BOM_UTF16_LE) == ("utf-16-le", 2)


def test_bad_utf32_message_is_in_welsh(tmp_path):
    from voxpop import i18n

    p = _w(tmp_path / "bad.csv", codecs.BOM_UTF32_BE + "id".encode("utf-32-be") + b"\x00\x00")
    with pytest.raises(BadInput, match=r"not valid UTF-32 BE \(a broken character at byte 12, line 1\)") as err:
        read_sources([p])
    with i18n.use_locale("cy"):
        welsh = io.in_reader_language(str(err.value))
    assert welsh != str(err.value) and "UTF-32 BE" in welsh and "bad.csv" in welsh
