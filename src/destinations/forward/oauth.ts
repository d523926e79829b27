/**
 * Sending through the host's OAuth2 helper (n8n's, for a credential that extends its OAuth2 type): which
 * platforms do, and what a request error the helper throws means for the destination.
 */
import type { CredentialDefinition } from '../definition';
import type { PlatformResponse } from '../types';

/** A credential built on n8n's OAuth2 (Google's): the helper adds and refreshes the token, so requests go through it. */
export function sendsThroughOAuth2(credential: Pick<CredentialDefinition, 'extends'>): boolean {
	return credential.extends?.includes('oAuth2Api') ?? false;
}

interface RequestFailure {
	httpCode?: string | null;
	code?: string;
	message?: string;
	isAxiosError?: boolean;
	response?: { status?: number; data?: unknown };
	context?: { data?: unknown };
	cause?: RequestFailure;
}

/**
 * What a thrown request error means for the destination: the platform's answer (a 401 that survived the token
 * refresh), a synthetic 401 when no token could be had at all (not connected, refresh refused), or undefined
 * for a network failure (no answer: the sender retries). The helper wraps errors, so the first two causes count.
 */
export function answerFromRequestError(error: unknown, platformName: string): PlatformResponse | undefined {
	const failure = (error ?? {}) as RequestFailure;
	const chain = [failure, failure.cause, failure.cause?.cause].filter((entry): entry is RequestFailure => Boolean(entry));
	const status = chain.map((entry) => Number(entry.response?.status ?? entry.httpCode)).find((code) => Number.isInteger(code) && code >= 400 && code < 600);
	if (status !== undefined) {
		const body = chain.find((entry) => entry.response?.data !== undefined)?.response?.data ?? failure.context?.data ?? failure.message;
		return { status, headers: {}, body };
	}
	const network = chain.some((entry) => (entry.isAxiosError && !entry.response) || /^E[A-Z_]+$/.test(entry.code ?? ''));
	if (network) return undefined;
	return { status: 401, headers: {}, body: `Could not get a ${platformName} access token: ${failure.cause?.message ?? failure.message ?? 'unknown error'}` };
}
