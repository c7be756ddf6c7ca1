"""DPAPI with machine scope: the database key file is readable as a key on this PC only.

CryptProtectData with CRYPTPROTECT_LOCAL_MACHINE ties the blob to this PC, not to one Windows user:
every account of the PC can unprotect it (who may read the file at all is the folder's ACL), while a
copy of the file taken to another PC, or out of a disk image, is useless. The entropy string keeps
other programs using machine-scope DPAPI from unprotecting the key by accident.

ctypes is imported inside the call, so this module imports on any system; the libraries can be
passed in, so the marshalling (blobs in, the output blob freed with LocalFree) is tested anywhere.
"""

from __future__ import annotations

import functools
from typing import Any

CRYPTPROTECT_UI_FORBIDDEN = 0x1  # never a prompt: hvdesk may start before anyone is at the PC
CRYPTPROTECT_LOCAL_MACHINE = 0x4
ENTROPY = b"hvdesk-database-key"


@functools.cache
def data_blob() -> Any:
    """The DATA_BLOB struct: DWORD cbData, BYTE *pbData (DWORD is 32 bits on every Windows)."""
    import ctypes

    class DATA_BLOB(ctypes.Structure):  # the Windows name
        _fields_ = [("cbData", ctypes.c_uint32), ("pbData", ctypes.POINTER(ctypes.c_char))]

    return DATA_BLOB


def _blob_of(data: bytes) -> tuple[Any, Any]:
    """A DATA_BLOB over a copy of `data`, and the buffer that must outlive the call."""
    import ctypes

    buffer = ctypes.create_string_buffer(data, len(data))
    blob = data_blob()(len(data), ctypes.cast(buffer, ctypes.POINTER(ctypes.c_char)))
    return blob, buffer


def _libraries() -> tuple[Any, Any]:
    import ctypes

    win_dll: Any = getattr(ctypes, "WinDLL")  # noqa: B009 - exists on Windows only
    return win_dll("crypt32", use_last_error=True), win_dll("kernel32", use_last_error=True)


def dpapi(data: bytes, protect: bool, crypt32: Any = None, kernel32: Any = None) -> bytes:
    """CryptProtectData (machine scope) or CryptUnprotectData on `data`, with the hvdesk entropy.
    OSError when Windows refuses (a blob protected on another PC, or damaged)."""
    import ctypes

    if crypt32 is None or kernel32 is None:
        crypt32, kernel32 = _libraries()
    blob_pointer = ctypes.POINTER(data_blob())
    call = crypt32.CryptProtectData if protect else crypt32.CryptUnprotectData
    call.argtypes = [
        blob_pointer,  # pDataIn
        ctypes.c_void_p,  # szDataDescr (protect) / ppszDataDescr (unprotect): none
        blob_pointer,  # pOptionalEntropy
        ctypes.c_void_p,  # pvReserved
        ctypes.c_void_p,  # pPromptStruct
        ctypes.c_uint32,  # dwFlags
        blob_pointer,  # pDataOut (allocated by Windows: LocalFree)
    ]
    call.restype = ctypes.c_int
    kernel32.LocalFree.argtypes = [ctypes.c_void_p]
    kernel32.LocalFree.restype = ctypes.c_void_p
    flags = CRYPTPROTECT_UI_FORBIDDEN | (CRYPTPROTECT_LOCAL_MACHINE if protect else 0)
    source, _source_buffer = _blob_of(data)
    entropy, _entropy_buffer = _blob_of(ENTROPY)
    out = data_blob()()
    ok = call(ctypes.byref(source), None, ctypes.byref(entropy), None, None, flags, ctypes.byref(out))
    if not ok:
        code = getattr(ctypes, "get_last_error", lambda: 0)()
        name = "CryptProtectData" if protect else "CryptUnprotectData"
        raise OSError(code, f"{name} refused the key (Windows error {code})")
    try:
        return ctypes.string_at(out.pbData, out.cbData)
    finally:
        kernel32.LocalFree(ctypes.cast(out.pbData, ctypes.c_void_p))
