import { ga4 } from './ga4';
import { googleAds } from './google_ads/definition';
import { linkedin } from './linkedin';
import { meta } from './meta/definition';
import { microsoft } from './microsoft';
import { pinterest } from './pinterest';
import { reddit } from './reddit';
import { snapchat } from './snapchat';
import { tiktok } from './tiktok/definition';

/**
 * Every platform, by id: each one's complete definition (src/destinations/definition.ts). Adding a platform is
 * its folder (src/destinations/<platform>/: requests, responses, identity rules, configuration type, and the
 * definition with its node, settings, credential, click fields, event names and icons) and one line here; the
 * n8n node and credential files, the Funnel's mapping table and the click plumbing are derived from it.
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
	linkedin,
} as const;
