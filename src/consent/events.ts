/** In-process events of consent; the ingestion scheduler listens to start the first backfill. */
export const WEARABLE_CONNECTED = 'wearable.connected';
export const WEARABLE_DISCONNECTED = 'wearable.disconnected';

export interface WearableConnectionEvent {
  pid: number;
  enrollmentId: number;
  connectionId: number;
}

/** `wearable.disconnected`: who disconnected, since only a patient's own disconnect is news to staff. */
export interface WearableDisconnectedEvent extends WearableConnectionEvent {
  by: 'patient' | 'staff';
}
