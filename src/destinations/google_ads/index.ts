/**
 * Google Ads click conversions (uploadClickConversions): ./build.ts plans the requests, ./response.ts reads
 * the per-row results. The decisions are documented at the top of each file.
 */
import { googleAdsIdentityRules } from './identity';
import type { Destination, GoogleAdsConfig } from '../types';
import { GOOGLE_ADS_MAX_CONVERSIONS, type GoogleAdsOptions, planGoogleAdsRequests } from './build';
import { readGoogleAdsResponse } from './response';

export const googleAds: Destination<'google_ads', GoogleAdsConfig> = {
	identity: googleAdsIdentityRules,
	platform: 'google_ads',
	maxBatch: GOOGLE_ADS_MAX_CONVERSIONS,
	planRequests: (events, config, now) => planGoogleAdsRequests(events, config as GoogleAdsOptions, now),
	readResponse: readGoogleAdsResponse,
};

export * from './build';
export { readGoogleAdsResponse, rowOf } from './response';
export type { GoogleAdsError, GoogleAdsFieldPathElement } from './response';
