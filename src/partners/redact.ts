/**
 * Partners put tokens in their postback URLs (Everflow's verification_token, a Keitaro postback key, an API key).
 * Anything this module outputs or logs goes through here first: values of parameters and macros whose names
 * look secret are replaced, wherever they appear.
 */

export const REDACTED = 'REDACTED';

/** Names that hold secrets: token, key, secret, password, signature, auth, credential (and their variants). */
const SECRET_NAME = /token|key|secret|passw|pwd|signature|^sig$|auth|credential/i;

export function isSecretName(name: string): boolean {
	return SECRET_NAME.test(name);
}

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text.replace(/\+/g, ' '));
	} catch {
		return text;
	}
}

/** Every form a secret value may take in a URL, a body or a response: as is, URL-encoded, form-encoded. */
function secretForms(secrets: readonly string[]): string[] {
	const forms = new Set<string>();
	for (const secret of secrets) {
		// Very short values would blank out ordinary text: they are still removed from their own parameters.
		if (secret.length < 4) continue;
		forms.add(secret);
		forms.add(encodeURIComponent(secret));
		forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
	}
	// Longest first, so a secret's encoded form is replaced whole before a shorter one inside it.
	return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of the secrets (in any of their forms) in free text. */
export function redactText(text: string, secrets: readonly string[]): string {
	let out = text;
	for (const form of secretForms(secrets)) out = out.split(form).join(REDACTED);
	return out;
}

/**
 * A URL safe to show: the values of secret-looking query parameters, the password of user info, and any of
 * `secrets` (the values of secret-looking macros, wherever they were put, e.g. a path segment) replaced.
 */
export function redactUrl(url: string, secrets: readonly string[] = []): string {
	let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, `$1:${REDACTED}@`);
	const queryStart = out.indexOf('?');
	if (queryStart >= 0) {
		const hashStart = out.indexOf('#', queryStart);
		const query = out.slice(queryStart + 1, hashStart >= 0 ? hashStart : undefined);
		const rest = hashStart >= 0 ? out.slice(hashStart) : '';
		const redactedQuery = query
			.split('&')
			.map((pair) => {
				const equals = pair.indexOf('=');
				if (equals < 0) return pair;
				const name = safeDecode(pair.slice(0, equals));
				return isSecretName(name) && pair.length > equals + 1 ? `${pair.slice(0, equals)}=${REDACTED}` : pair;
			})
			.join('&');
		out = `${out.slice(0, queryStart)}?${redactedQuery}${rest}`;
	}
	return redactText(out, secrets);
}

/** A form or JSON body safe to show: secret-looking fields and the given secrets replaced. */
export function redactBody(body: string, contentType: 'form' | 'json', secrets: readonly string[] = []): string {
	if (contentType === 'form') return redactUrl(`?${body}`, secrets).slice(1);
	try {
		const parsed = JSON.parse(body) as Record<string, unknown>;
		for (const name of Object.keys(parsed)) if (isSecretName(name) && parsed[name] !== '') parsed[name] = REDACTED;
		return redactText(JSON.stringify(parsed), secrets);
	} catch {
		return redactText(body, secrets);
	}
}
