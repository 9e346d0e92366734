#!/usr/bin/env bash
# The soak in short (bench/soak.sh --duration 60): a minute of mixed load
# through 1 % loss, 1 % reordering and 0.5 % duplication, every byte checked,
# no connection left afterwards. Growth is judged from 15 s on, when the
# allocator has barely settled, so the bound is wider than the long run's 5 % (1 % seen).
set -euo pipefail
exec bash "$TAPSTACK_SOURCE_DIR/bench/soak.sh" --duration 60 --max-growth 10 --csv -
