#!/usr/bin/env bash
# stack/ stays sans-I/O: no OS headers, clocks, threads, Boost or logging.
set -u
dir=$1
pattern='::now\(|<boost/|<spdlog/|<sys/|<unistd\.h>|<netinet/|<arpa/|<thread>|<mutex>|<fstream>|<iostream>|<cstdio>'
hits=$(grep -rnE "$pattern" "$dir" --include='*.hpp' --include='*.cpp')
if [[ -n "$hits" ]]; then
  echo "stack/ must stay sans-I/O; found:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "stack/ is sans-I/O"
