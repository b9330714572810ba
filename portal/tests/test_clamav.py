"""The clamd client against a real clamd (conftest ``clamd``: a local EICAR signature)."""

import pytest

from portal import clamav


def test_clean_bytes_are_ok(clamd):
    result = clamav.scan_bytes(b"%PDF-1.7\nnothing to see here\n")

    assert result.clean
    assert result.signature is None


def test_eicar_is_found(clamd, eicar):
    result = clamav.scan_bytes(eicar)

    assert not result.clean
    assert result.signature.startswith("Eicar-Test-Signature")


def test_a_stream_of_many_chunks_is_scanned_whole(clamd, eicar):
    # The signature is the file's MD5 and size: it matches only if every chunk arrived in order.
    clean = bytes(range(256)) * (3 * clamav.CHUNK_SIZE // 256 + 7)

    assert clamav.scan_bytes(clean).clean
    assert len(clean) > 3 * clamav.CHUNK_SIZE


def test_ping_answers(clamd):
    assert clamav.ping()


def test_no_socket_configured_is_unavailable(settings):
    settings.CLAMD_SOCKET = ""

    with pytest.raises(clamav.ScannerUnavailable):
        clamav.scan_bytes(b"data")
    assert not clamav.ping()


def test_a_socket_nobody_listens_on_is_unavailable(settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody.sock")

    with pytest.raises(clamav.ScannerUnavailable):
        clamav.scan_bytes(b"data")
    assert not clamav.ping()


@pytest.mark.parametrize(
    ("reply", "signature"),
    [("stream: OK", None), ("stream: Win.Test.Virus FOUND", "Win.Test.Virus")],
)
def test_replies_are_read(reply, signature):
    assert clamav.parse_reply(reply).signature == signature


@pytest.mark.parametrize("reply", ["INSTREAM size limit exceeded. ERROR", "", "stream: ? ERROR"])
def test_an_error_reply_raises(reply):
    with pytest.raises(clamav.ScannerError):
        clamav.parse_reply(reply)
