// shared/errors.ts
// The machine-readable `error` codes of the public API (docs/api.md, "API summary") and their fixed messages.

export type ErrorCode =
	| "missing_api_key"
	| "invalid_api_key"
	| "key_revoked"
	| "key_disabled"
	| "key_expired"
	| "key_auto_expired"
	| "key_moderated"
	| "key_user_moderated"
	| "key_creator_removed"
	| "guild_mismatch"
	| "ip_not_allowed"
	| "insufficient_scope"
	| "rate_limited"
	| "auth_throttled"
	| "bad_request"
	| "payload_too_large"
	| "unsupported_media_type"
	| "headers_too_large"
	| "expectation_failed"
	| "request_timeout"
	| "not_found"
	| "upstream_unavailable"
	| "upstream_timeout"
	| "service_unavailable"
	| "unauthorized"
	| "key_limit_reached"
	| "key_not_revoked"
	| "permission_denied"
	| "csrf_rejected"
	| "key_roll_required"
	| "signin_failed"
	| "member_exists"
	| "experience_already_linked"
	| "public_url_unset"
	| "import_running"
	| "server_not_found"
	| "internal_error";

/** Messages the hosted API uses word for word; clients may match on them. */
export const ErrorMessage = {
	missingApiKey: "Missing API key",
	invalidApiKey: "Invalid API key for this guild",
	guildMismatch: "API key does not match target guild",
	ipNotAllowed: "IP address not allowed for this API key",
	insufficientScope: "API key lacks the required scope",
	rateLimited: "Rate limit exceeded",
	authThrottled: "Too many failed authentication attempts",
	keyLimitReached: "Maximum 3 API keys per guild; revoke one to free a slot",
	keyNotRevoked: "Revoke the key before deleting it",
	noActiveBan: "No active ban for this user",
	noActiveMute: "No active mute for this user",
} as const;
