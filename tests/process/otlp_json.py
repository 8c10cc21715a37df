"""The OTLP JSON mapping of an ExportTraceServiceRequest, decoded into flat
Span records (see otlp_sink.py, which serves it).

Strict where leniency would hide an exporter bug: ids must be hex of the
right length and not all zeros, and malformed parts raise ValueError. Where
the OTLP JSON mapping allows two spellings (int64 as a decimal string or a
number, enums as integers or names) both are accepted.
"""
import base64
from dataclasses import dataclass, field
from typing import Optional

# SpanKind and StatusCode numbers (opentelemetry-proto trace.proto).
INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = 1, 2, 3, 4, 5
STATUS_UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2

_KIND_NAMES = {"SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2,
               "SPAN_KIND_CLIENT": 3, "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5}
_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}


@dataclass
class Event:
    name: str
    time_unix_nano: int
    attributes: dict


@dataclass
class Link:
    trace_id: str
    span_id: str
    trace_state: str
    attributes: dict


@dataclass
class Span:
    """One span, flattened: its resource and scope are copied in."""
    trace_id: str                    # 32 lower-case hex digits
    span_id: str                     # 16 lower-case hex digits
    parent_span_id: Optional[str]    # None for a root span
    name: str
    kind: int                        # SERVER, CLIENT, ...
    start_time_unix_nano: int
    end_time_unix_nano: int
    attributes: dict                 # values typed: str, bool, int, float, bytes, list, dict
    status_code: int                 # STATUS_UNSET, STATUS_OK, STATUS_ERROR
    status_message: str
    events: list
    links: list
    trace_state: str
    flags: int
    resource: dict                   # resource attributes
    scope_name: str
    scope_version: str
    service_name: Optional[str] = field(default=None)

    @property
    def duration_ns(self):
        return self.end_time_unix_nano - self.start_time_unix_nano


def _hex_id(value, size, what, allow_empty):
    if value in (None, "") and allow_empty:
        return None
    if not isinstance(value, str) or len(value) != size * 2:
        raise ValueError(f"{what} must be {size * 2} hex digits, got {value!r}")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{what} must be hex, got {value!r}") from None
    if raw == bytes(size):  # invalid in OTLP; a root span sends no parent at all
        raise ValueError(f"{what} is all zeros")
    return value.lower()


def _int(value, what):
    # int64/uint64 fields are decimal strings in OTLP JSON; numbers are accepted too.
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return int(value)


def _enum(value, names, what):
    if isinstance(value, str) and value in names:
        return names[value]
    return _int(value, what)


def any_value(v):
    """An OTLP AnyValue as a Python value (None for an empty AnyValue)."""
    if not isinstance(v, dict):
        raise ValueError(f"AnyValue must be an object, got {v!r}")
    if "stringValue" in v:
        return str(v["stringValue"])
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "intValue" in v:
        return _int(v["intValue"], "intValue")
    if "doubleValue" in v:
        return float(v["doubleValue"])  # also "NaN", "Infinity", "-Infinity"
    if "arrayValue" in v:
        return [any_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return attributes(v["kvlistValue"].get("values", []))
    if "bytesValue" in v:
        return base64.b64decode(v["bytesValue"], validate=True)
    return None


def attributes(key_values):
    if not isinstance(key_values, list):
        raise ValueError(f"attributes must be a list, got {key_values!r}")
    return {kv["key"]: any_value(kv.get("value", {})) for kv in key_values}


def decode_request(body):
    """Flattened spans of one ExportTraceServiceRequest (a parsed JSON object)."""
    if not isinstance(body, dict):
        raise ValueError("ExportTraceServiceRequest must be a JSON object")
    spans = []
    for rs in body.get("resourceSpans", []):
        resource = attributes(rs.get("resource", {}).get("attributes", []))
        for ss in rs.get("scopeSpans", []):
            scope = ss.get("scope", {})
            for s in ss.get("spans", []):
                spans.append(_span(s, resource, scope))
    return spans


def _span(s, resource, scope):
    status = s.get("status", {})
    service = resource.get("service.name")
    return Span(
        trace_id=_hex_id(s.get("traceId"), 16, "traceId", False),
        span_id=_hex_id(s.get("spanId"), 8, "spanId", False),
        parent_span_id=_hex_id(s.get("parentSpanId"), 8, "parentSpanId", True),
        name=s.get("name", ""),
        kind=_enum(s.get("kind", 0), _KIND_NAMES, "kind"),
        start_time_unix_nano=_int(s.get("startTimeUnixNano", 0), "startTimeUnixNano"),
        end_time_unix_nano=_int(s.get("endTimeUnixNano", 0), "endTimeUnixNano"),
        attributes=attributes(s.get("attributes", [])),
        status_code=_enum(status.get("code", 0), _STATUS_NAMES, "status.code"),
        status_message=status.get("message", ""),
        events=[Event(e.get("name", ""), _int(e.get("timeUnixNano", 0), "timeUnixNano"),
                      attributes(e.get("attributes", []))) for e in s.get("events", [])],
        links=[Link(_hex_id(l.get("traceId"), 16, "link traceId", False),
                    _hex_id(l.get("spanId"), 8, "link spanId", False), l.get("traceState", ""),
                    attributes(l.get("attributes", []))) for l in s.get("links", [])],
        trace_state=s.get("traceState", ""),
        flags=_int(s.get("flags", 0), "flags"),
        resource=resource,
        scope_name=scope.get("name", ""),
        scope_version=scope.get("version", ""),
        service_name=service if isinstance(service, str) else None,
    )
