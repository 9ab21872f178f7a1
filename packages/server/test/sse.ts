/**
 * A server-sent-event reader for tests over fetch streaming, and the list of streams the running test
 * opened (close them all after it: a server waits for its open streams to end).
 */
export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

/** Streams opened by the running test, closed after it whatever happened (the server waits for them to end). */
export const opened: { close(): Promise<void> }[] = [];

/** A server-sent-event reader over fetch streaming: `next()` resolves with each event in order. */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  opened.push({
    close: async () => {
      controller.abort();
    },
  });
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const wake: { waiting: (() => void) | null } = { waiting: null };
  let buffer = "";
  let comments = 0;
  const pump = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = { event: "message", data: "" };
          let data = "";
          let any = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments++;
            else if (line.startsWith("id:")) event.id = line.slice(3).trim();
            else if (line.startsWith("event:")) event.event = line.slice(6).trim();
            else if (line.startsWith("data:")) {
              data += line.slice(5).trim();
              any = true;
            }
          }
          if (any) {
            event.data = JSON.parse(data);
            events.push(event);
            wake.waiting?.();
          }
          cut = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
  })();
  let read = 0;
  return {
    response,
    events,
    /** Resolves when the response body has ended (or the stream was aborted). */
    ended: pump,
    get comments() {
      return comments;
    },
    async next(): Promise<SseEvent> {
      while (read >= events.length) await new Promise<void>((resolve) => (wake.waiting = resolve));
      return events[read++]!;
    },
    /** Events until `count` quote events have arrived. */
    async quotes(count: number): Promise<SseEvent[]> {
      const seen: SseEvent[] = [];
      while (seen.filter((e) => e.event === "quote").length < count) seen.push(await this.next());
      return seen;
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}
