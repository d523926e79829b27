import { googleAds } from './google_ads';
import { meta } from './meta';
import { tiktok } from './tiktok';

/**
 * Every destination, by platform id. Adding a platform is its folder (src/destinations/<platform>/: requests,
 * responses, identity rules), its node and credential, its event names in the funnel's mapping table, and
 * one line here.
 */
export const DESTINATIONS = {
	meta,
	tiktok,
	google_ads: googleAds,
} as const;
