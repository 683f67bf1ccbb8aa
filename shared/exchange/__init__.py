"""Clearinghouse exchange: the adapter interface services send and receive X12 files through.

`ClearinghouseAdapter` is the shape (send a file out; list, take, complete answer files);
`FolderClearinghouse` the default, a pair of folders. SFTP and HTTP adapters follow the
same interface. See `interface` for the contract and `folder` for the folder layout.
"""

from shared.exchange.folder import CLAIMED_DIR, DONE_DIR, FolderClearinghouse, publish_file
from shared.exchange.interface import (
    MAX_NAME_LENGTH,
    AlreadySentError,
    ClaimedFile,
    ClearinghouseAdapter,
    ExchangeError,
    FileNameError,
    InboundFile,
    SentFile,
    check_file_name,
)

__all__ = [
    "ClearinghouseAdapter",
    "FolderClearinghouse",
    "publish_file",
    "SentFile",
    "InboundFile",
    "ClaimedFile",
    "ExchangeError",
    "FileNameError",
    "AlreadySentError",
    "check_file_name",
    "MAX_NAME_LENGTH",
    "CLAIMED_DIR",
    "DONE_DIR",
]
