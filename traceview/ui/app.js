// traceview UI
