export type IdentityField = 'email' | 'phone' | 'first_name' | 'last_name' | 'city' | 'state' | 'zip' | 'country' | 'external_id' | 'ip_address';

export interface IdentityOptions {
	/** ISO 3166-1 alpha-2 country for phone numbers written without a country code (e.g. 'US'). */
	defaultCountry?: string;
}
