import { QuantDbApiError } from "@quantdb/sdk";
import type { ReactNode } from "react";

/** What an error panel shows of a failed call: the API's message, code and HTTP status. */
export interface ErrorInfo {
  message: string;
  code: string;
  status: number;
}

export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof QuantDbApiError) return { message: error.message, code: error.code, status: error.status };
  return { message: error instanceof Error ? error.message : String(error), code: "ERROR", status: 0 };
}

/** The API's error in a panel: `Error 400 (INVALID_SYMBOL): <message>`, then what the page adds. */
export function ErrorPanel({ info, prefix, children }: { info: ErrorInfo; prefix?: string; children?: ReactNode }) {
  return (
    <div className="error" role="alert" data-testid="panel-error" data-code={info.code} data-status={info.status}>
      <strong>
        {prefix ? `${prefix}: ` : ""}
        {info.status ? `Error ${info.status}` : "Error"} ({info.code}):
      </strong>{" "}
      {info.message}
      {children}
    </div>
  );
}
