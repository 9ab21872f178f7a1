/**
 * Reading the upstream state `/health` may report (`details.upstreams`), tolerant of the field
 * spellings an API version may use (camelCase or snake_case; `circuit` or `state`), so the status
 * page shows what the API says and "not reported" when it says nothing.
 */

type CircuitState = "closed" | "open" | "half-open";

/** One upstream host as the status page shows it. */
export interface UpstreamState {
  host: string;
  circuit: CircuitState | null;
  /** Whether the host is reachable: as reported, else derived from the circuit (open = no); null when unknown. */
  reachable: boolean | null;
  lastError: string | null;
  /** ISO 8601 instant of the last error. */
  lastErrorAt: string | null;
  /** Call counts since the API started, when reported. */
  calls: { ok: number; failed: number; retried: number; rejected: number } | null;
}

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

function callsOf(v: unknown): UpstreamState["calls"] {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  return { ok: count(o.ok), failed: count(o.failed), retried: count(o.retried), rejected: count(o.rejected) };
}

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

function circuitOf(v: unknown): CircuitState | null {
  const text = str(v)?.toLowerCase().replace(/[_\s]/g, "-");
  return text === "closed" || text === "open" || text === "half-open" ? text : null;
}

function errorText(v: unknown): string | null {
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const parts = [str(o.code), str(o.message)].filter(Boolean);
    return parts.length ? parts.join(": ") : null;
  }
  return str(v);
}

/**
 * The upstream hosts in a `/health` answer, or null when it reports none (older API, or no
 * `details.upstreams` / `upstreams` array).
 */
export function upstreamsOf(health: unknown): UpstreamState[] | null {
  if (!health || typeof health !== "object") return null;
  const h = health as Record<string, unknown>;
  const details = h.details && typeof h.details === "object" ? (h.details as Record<string, unknown>) : {};
  const list = Array.isArray(details.upstreams) ? details.upstreams : Array.isArray(h.upstreams) ? h.upstreams : null;
  if (!list) return null;
  return list
    .filter((u): u is Record<string, unknown> => Boolean(u) && typeof u === "object")
    .map((u) => {
      const circuit = circuitOf(u.circuit ?? u.state ?? u.circuit_state ?? u.circuitState);
      const reported = typeof u.reachable === "boolean" ? u.reachable : null;
      return {
        host: str(u.host) ?? str(u.name) ?? str(u.url) ?? "?",
        circuit,
        reachable: reported ?? (circuit === null ? null : circuit !== "open"),
        lastError: errorText(u.lastError ?? u.last_error),
        lastErrorAt: str(u.lastErrorAt ?? u.last_error_at),
        calls: callsOf(u.calls),
      };
    });
}
