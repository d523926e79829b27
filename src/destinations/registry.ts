import { ga4 } from './ga4';
import { googleAds } from './google_ads/definition';
import { meta } from './meta/definition';
import { microsoft } from './microsoft';
import { pinterest } from './pinterest';
import { reddit } from './reddit';
import { snapchat } from './snapchat';
import { tiktok } from './tiktok/definition';

/**
 * Every destination, by platform id. Adding a platform is its folder (src/destinations/<platform>/: requests,
 * responses, identity rules, configuration type), its node and credential, its event names in the funnel's
 * mapping table (src/funnel/events.ts), and one line here.
 */
export const DESTINATIONS = {
	meta,
	tiktok,
	google_ads: googleAds,
	ga4,
	snapchat,
	pinterest,
	reddit,
	microsoft,
} as const;
