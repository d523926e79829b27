import { DESTINATIONS } from './registry';
import type { Destination, ForwardableEvent, Platform, PlatformConfigs, PlatformRequest, RequestPlan } from './types';

export { DESTINATIONS };

export function planPlatformRequests<P extends Platform>(platform: P, events: ForwardableEvent[], config: PlatformConfigs[P], now = new Date()): RequestPlan {
	const destination = (Object.prototype.hasOwnProperty.call(DESTINATIONS, platform) ? DESTINATIONS[platform] : undefined) as
		| Destination<P, PlatformConfigs[P]>
		| undefined;
	if (!destination) throw new Error(`Unknown platform "${String(platform)}". Known: ${Object.keys(DESTINATIONS).join(', ')}`);
	return destination.planRequests(events, config, now);
}

/** The library entry: the HTTP requests that deliver `conversions` to `platform` (events that must not be sent are left out). */
export function buildPlatformRequests<P extends Platform>(
	platform: P,
	conversions: ForwardableEvent[],
	config: PlatformConfigs[P],
	now = new Date(),
): PlatformRequest[] {
	return planPlatformRequests(platform, conversions, config, now).requests;
}

export { eventIdFor } from './event-id';
export { sendToPlatform } from './send';
export type { SendOptions, SendDependencies } from './send';
export * from './types';
