import { EVENT_KINDS, type PailEvent } from '../../../shared/protocol/types.ts';
import { ReconnectingSocket } from './socket.ts';

/** What /api/events says: a change, or whether the gateway can reach the bucket server. */
export type EventMessage =
  | { readonly type: 'change'; readonly event: PailEvent }
  | { readonly type: 'server'; readonly up: boolean; readonly message?: string };

/** The gateway's wire shapes (gateway/event-hub.ts HubMessage). */
type WireMessage =
  | { type: 'event'; event: PailEvent }
  | { type: 'status'; bucketServer: 'connected' | 'unreachable'; message: string };

const kinds = new Set<string>(EVENT_KINDS);

/** Reads one message of the events stream; null for anything not understood. */
export function parseEventMessage(data: string): EventMessage | null {
  let body: Partial<WireMessage> | null;
  try {
    body = JSON.parse(data) as Partial<WireMessage> | null;
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object') return null;
  if (body.type === 'event') {
    const event = body.event;
    return event && kinds.has(event.kind) ? { type: 'change', event } : null;
  }
  if (body.type === 'status') {
    return { type: 'server', up: body.bucketServer === 'connected', message: body.message };
  }
  return null;
}

export interface EventsHandlers {
  onOpen(): void;
  onClose(): void;
  onMessage(message: EventMessage): void;
}

export function openEvents(handlers: EventsHandlers): ReconnectingSocket {
  return new ReconnectingSocket('/api/events', {
    onOpen: handlers.onOpen,
    onClose: handlers.onClose,
    onMessage: (data) => {
      const message = parseEventMessage(data);
      if (message) handlers.onMessage(message);
    },
  });
}
