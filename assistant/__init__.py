"""LGSCO Precedent Assistant: cited answers over Local Government and Social Care Ombudsman
decisions."""

import os

from assistant.privacy import offline_environment

# Set before any tokenizer or hub client is imported: encoding is ~2.5x faster on 2 cores
# without tokenizer threads, and nothing may be fetched from a model hub at run time, nor
# any telemetry sent, whatever the environment says (see `privacy`).
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
offline_environment()
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

__version__ = "0.1.0"
# 2: ordinal payees named; 3: no control characters, size limits, a page address only as stated
PARSER_VERSION = "3"
