/**
 * Meta Conversions API requests: POST {baseUrl}/{apiVersion}/{pixelId}/events?access_token=… with
 * `{ data: [≤ 1000 server events], test_event_code? }`, each event built by ./event.ts. Pure: the sender
 * (../send.ts) does the I/O.
 */
import { checkValueFrom, inBatches, planEach } from '../planning';
import type { ForwardableEvent, MetaConfig, PlatformRequest, RequestPlan } from '../types';
import { META_ACTION_SOURCES, META_DEFAULT_API_VERSION, META_DEFAULT_BASE_URL, META_MAX_BATCH, type MetaActionSource } from './constants';
import { type MetaDestinationConfig, type MetaServerEvent, buildMetaEvent } from './event';

/** `v26.0` (a bare `26.0` gets its `v`); anything else is a configuration mistake. */
export function metaApiVersion(version: string | undefined): string {
	const trimmed = version?.trim() || META_DEFAULT_API_VERSION;
	const withV = /^\d+\.\d+$/.test(trimmed) ? `v${trimmed}` : trimmed;
	if (!/^v\d+\.\d+$/.test(withV)) throw new Error(`Meta API version "${trimmed}" is not like "${META_DEFAULT_API_VERSION}"`);
	return withV;
}

/** Checks the settings that would otherwise fail every request; returns the action source to use. */
export function checkMetaConfig(config: MetaConfig): MetaActionSource {
	if (!/^\d{1,32}$/.test(config.pixelId?.trim() ?? '')) {
		throw new Error('The Meta pixel ID must be the number shown in Events Manager (the dataset ID), such as 1234567890123456');
	}
	if (!config.accessToken?.trim()) throw new Error('The Meta access token is empty: generate one in Events Manager → Settings → Conversions API');
	metaApiVersion(config.apiVersion);
	const base = config.baseUrl?.trim();
	if (base && !(URL.canParse(base) && /^https?:$/.test(new URL(base).protocol))) {
		throw new Error(`The Meta base URL "${base}" is not an http(s) URL such as ${META_DEFAULT_BASE_URL}`);
	}
	const actionSource = (config.actionSource?.trim() || 'website') as MetaActionSource;
	if (!META_ACTION_SOURCES.includes(actionSource)) {
		throw new Error(`Meta action source "${actionSource}" is not one of ${META_ACTION_SOURCES.join(', ')}`);
	}
	checkValueFrom((config as MetaDestinationConfig).valueFrom);
	return actionSource;
}

export function metaEventsUrl(config: MetaConfig): string {
	const base = (config.baseUrl?.trim() || META_DEFAULT_BASE_URL).replace(/\/+$/, '');
	return `${base}/${metaApiVersion(config.apiVersion)}/${encodeURIComponent(config.pixelId.trim())}/events?access_token=${encodeURIComponent(config.accessToken.trim())}`;
}

export function planMetaRequests(events: ForwardableEvent[], config: MetaConfig, now: Date): RequestPlan {
	const actionSource = checkMetaConfig(config);
	const nowSeconds = Math.floor(now.getTime() / 1000);
	const { planned, skipped } = planEach<ForwardableEvent, { event: MetaServerEvent }>(events, (event) =>
		buildMetaEvent(event, config, actionSource, nowSeconds),
	);

	const url = metaEventsUrl(config);
	const testEventCode = config.testEventCode?.trim();
	const requests = inBatches(planned, META_MAX_BATCH).map(
		(batch): PlatformRequest => ({
			method: 'POST',
			url,
			headers: { 'content-type': 'application/json' },
			body: { data: batch.map((row) => row.event), ...(testEventCode ? { test_event_code: testEventCode } : {}) },
			itemIndexes: batch.map((row) => row.index),
		}),
	);
	return { requests, skipped };
}
