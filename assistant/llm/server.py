"""Run the embedded model behind an OpenAI-compatible endpoint on 127.0.0.1.

Started as a child process (`python -m assistant.llm.server MODEL PORT CTX THREADS
[LOOKUP]`) so a slow generation never holds the parent's interpreter; it prints
`READY <url>` once the model is loaded and serves until its parent closes its standard
input or it is signalled. LOOKUP 1 (the default) turns on prompt-lookup decoding.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xllamacpp

# Prompt-lookup decoding (llama.cpp's "ngram-simple" speculation): when the reply's last
# LOOKUP_MATCH tokens occur earlier in the prompt or reply, the LOOKUP_DRAFT tokens that
# followed them there are the draft. The embedded model's claims mostly copy the shown
# paragraphs' words, so drafts are often accepted. 3 and 12 wrote the demo's questions
# fastest of the sizes tried (benchmarks/prompt_lookup.py; longer drafts waste more work
# on CPU when rejected).
LOOKUP_MATCH = 3
LOOKUP_DRAFT = 12


def server_params(
    model: str, port: int, context: int, threads: int, lookup: bool = True
) -> xllamacpp.CommonParams:
    """The `xllamacpp.CommonParams` the embedded server runs with, on 127.0.0.1:`port`."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = context
    params.n_predict = 1024
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.verbosity = 1
    if lookup:
        # The nested settings are live views: they are set in place, not assigned.
        params.speculative.types = [
            xllamacpp.common_speculative_type.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE
        ]
        params.speculative.ngram_simple.size_n = LOOKUP_MATCH
        params.speculative.ngram_simple.size_m = LOOKUP_DRAFT
    return params


def main(argv: list[str]) -> int:
    import xllamacpp

    model, port, context, threads = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    lookup = len(argv) < 5 or argv[4] == "1"
    params = server_params(model, port, context, threads, lookup)
    server = xllamacpp.Server(params)
    print(f"READY {server.listening_address}", flush=True)
    sys.stdin.read()  # returns when the parent exits or closes the pipe
    del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
