import type { EventsMessage } from '../../../shared/api/types.ts';
import { EVENT_KINDS, type PailEvent } from '../../../shared/protocol/types.ts';
import { ReconnectingSocket } from './socket.ts';

/** What /api/events says: a change, or whether the gateway can reach the bucket server. */
export type EventMessage =
  | { readonly type: 'change'; readonly event: PailEvent }
  | { readonly type: 'server'; readonly up: boolean; readonly message: string };

const kinds = new Set<string>(EVENT_KINDS);

/** Reads one message of the events stream (an EventsMessage); null for a change of a kind this page does not know. */
export function parseEventMessage(data: string): EventMessage | null {
  let body: EventsMessage;
  try {
    body = JSON.parse(data) as EventsMessage;
  } catch {
    return null;
  }
  if (body.type === 'status') return { type: 'server', up: body.bucketServer === 'connected', message: body.message };
  return kinds.has(body.event.kind) ? { type: 'change', event: body.event } : null;
}

export interface EventsHandlers {
  onOpen: () => void;
  onClose: () => void;
  onMessage: (message: EventMessage) => void;
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
