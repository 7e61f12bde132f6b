"""Evidence documents behind the answers.

- :mod:`.storage`: the storage interface and the instance-folder implementation;
- :mod:`.sniffing`: the kind of an upload, decided from its content;
- :mod:`.scanning`: the virus-scanner hook (ClamAV where configured);
- :mod:`.documents`: the use cases: attach, list, download, delete, judge, prune.
"""

from __future__ import annotations

from ppp_assess.services.evidence.documents import (
    MEGABYTE,
    EvidenceLimits,
    attach_evidence,
    delete_evidence,
    document_facts,
    evidence_by_question,
    evidenced_questions,
    judge_evidence,
    list_evidence,
    prune_storage,
    record_download,
    stored_bytes,
    verified_score_of,
)
from ppp_assess.services.evidence.scanning import ClamdScanner, Scanner, ScannerUnavailable
from ppp_assess.services.evidence.storage import EvidenceStorage, FileTooLarge, LocalStorage

__all__ = [
    "MEGABYTE",
    "ClamdScanner",
    "EvidenceLimits",
    "EvidenceStorage",
    "FileTooLarge",
    "LocalStorage",
    "Scanner",
    "ScannerUnavailable",
    "attach_evidence",
    "delete_evidence",
    "document_facts",
    "evidence_by_question",
    "evidenced_questions",
    "judge_evidence",
    "list_evidence",
    "prune_storage",
    "record_download",
    "stored_bytes",
    "verified_score_of",
]
