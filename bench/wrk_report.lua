-- wrk reporter for bench/load.py: prints one JSON line, prefixed with "WRK_JSON ", with the
-- request rate and the latency percentiles (milliseconds) of the run.
--
--   wrk -t2 -c16 -d15s -s bench/wrk_report.lua http://127.0.0.1:8000/healthz

done = function(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local errors = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, "bytes": %d, '
         .. '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, '
         .. '"non_2xx_3xx": %d}}\n',
      summary.requests, seconds, summary.requests / seconds, summary.bytes,
      latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
      errors.connect, errors.read, errors.write, errors.timeout, errors.status
   ))
end
