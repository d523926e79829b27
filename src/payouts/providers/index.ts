/** The payout providers, by id: `PAYOUT_PROVIDERS[id].submit(config, batch, deps)`. */
import { paypal } from './paypal';
import { stripe } from './stripe';
import type { PayoutProvider, PayoutProviderConfigs, PayoutProviderId } from './types';

export const PAYOUT_PROVIDERS: { [Id in PayoutProviderId]: PayoutProvider<PayoutProviderConfigs[Id]> } = { paypal, stripe };

export * from './types';
export {
	paypal,
	cancelPayPalItem,
	readPayPalItemById,
	clearPayPalTokenCache,
	formatPayPalAmount,
	paypalDecimals,
	paypalItemState,
	PAYPAL_HOSTS,
	PAYPAL_MAX_ITEMS,
	PAYPAL_STATUS_STATES,
	buildPayPalPayoutBody,
	readDuplicateBatchError,
} from './paypal';
export { stripe, stripeAmount, buildStripeTransferFields, buildStripeTransferRequest, stripeFormEncode, stripeIdempotencyKey, STRIPE_HOST } from './stripe';
