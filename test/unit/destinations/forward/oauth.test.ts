import { answerFromRequestError, sendsThroughOAuth2 } from '../../../../src/destinations/forward';

describe('sendsThroughOAuth2', () => {
	test("only a credential built on n8n's OAuth2 sends through its helper", () => {
		expect(sendsThroughOAuth2({ extends: ['googleOAuth2Api', 'oAuth2Api'] })).toBe(true);
		expect(sendsThroughOAuth2({ extends: ['someOtherApi'] })).toBe(false);
		expect(sendsThroughOAuth2({})).toBe(false);
	});
});

describe('answerFromRequestError: what a thrown request error means', () => {
	test("the platform's answer, from the error or its causes", () => {
		expect(answerFromRequestError({ response: { status: 401, data: { error: 'UNAUTHENTICATED' } } }, 'Google')).toEqual({
			status: 401,
			headers: {},
			body: { error: 'UNAUTHENTICATED' },
		});
		expect(answerFromRequestError({ message: 'wrapped', cause: { cause: { response: { status: 403, data: 'denied' } } } }, 'Google')).toEqual({
			status: 403,
			headers: {},
			body: 'denied',
		});
	});

	test("n8n's httpCode counts, the body then from the error's context or message", () => {
		expect(answerFromRequestError({ httpCode: '401', message: 'Unauthorized', context: { data: { reason: 'expired' } } }, 'Google')).toEqual({
			status: 401,
			headers: {},
			body: { reason: 'expired' },
		});
		expect(answerFromRequestError({ httpCode: '500', message: 'Server error' }, 'Google')).toEqual({ status: 500, headers: {}, body: 'Server error' });
	});

	test('a network failure has no answer: the sender retries it', () => {
		expect(answerFromRequestError({ isAxiosError: true, message: 'timeout' }, 'Google')).toBeUndefined();
		expect(answerFromRequestError({ message: 'wrapped', cause: { code: 'ECONNRESET' } }, 'Google')).toBeUndefined();
	});

	test('anything else is a token that could not be had: a 401 saying so', () => {
		expect(answerFromRequestError({ message: 'outer', cause: { message: 'refresh token revoked' } }, 'Google')).toEqual({
			status: 401,
			headers: {},
			body: 'Could not get a Google access token: refresh token revoked',
		});
		expect(answerFromRequestError(undefined, 'Google')).toEqual({ status: 401, headers: {}, body: 'Could not get a Google access token: unknown error' });
	});
});
