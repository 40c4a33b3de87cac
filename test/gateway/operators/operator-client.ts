// test/gateway/operators/operator-client.ts
// Signs a Discord user in to a test gateway as a browser would (following each redirect by hand), then calls the admin API with the session cookie.

import { checkDocumentedAnswer } from "../documented-answers";
import type { TestGateway, TestResponse } from "../harness";
import type { FakeDiscord } from "../../fakes/discord";

export interface OperatorClient {
	userId: string;
	/** The `technified_session` cookie's value. */
	sessionToken: string;
	csrfToken: string;
	/** The Set-Cookie header that opened the session. */
	setCookie: string;
	/**
	 * Calls `/admin/v1<pathname>` with the session cookie. State-changing calls carry the gateway's Origin and
	 * the CSRF token unless told otherwise (`headers` replaces them; `null` leaves a header out).
	 */
	call(method: string, pathname: string, body?: unknown, headers?: Record<string, string | null>): Promise<TestResponse>;
}

function cookieValue(setCookie: string, name: string): string | undefined {
	return new RegExp(`(?:^|, )${name}=([^;]*)`).exec(setCookie)?.[1];
}

async function parsed(response: Response): Promise<TestResponse> {
	const text = await response.text();
	let body: unknown = text === "" ? undefined : text;
	try {
		body = text === "" ? undefined : JSON.parse(text);
	} catch {
		// left as text
	}
	return { status: response.status, headers: response.headers, body };
}

/** Every answer is checked against the OpenAPI document, as the harness does for its own calls. */
export async function documentedFetch(url: string, init: RequestInit = {}): Promise<TestResponse> {
	const response = await parsed(await fetch(url, { redirect: "manual", ...init }));
	checkDocumentedAnswer(init.method ?? "GET", new URL(url).pathname + new URL(url).search, response);
	return response;
}

/** The three legs of the sign-in: the gateway's redirect, Discord's authorize page, the gateway's callback. */
export async function signInLegs(gateway: TestGateway, discord: FakeDiscord, userId: string, sessionCookie?: string) {
	discord.signInAs(userId);
	const start = await documentedFetch(`${gateway.url}/admin/v1/auth/discord`);
	const signInCookie = start.headers.get("set-cookie") ?? "";
	const authorize = await fetch(start.headers.get("location")!, { redirect: "manual" });
	const callbackUrl = authorize.headers.get("location")!;
	const cookies = [`technified_sign_in=${cookieValue(signInCookie, "technified_sign_in")}`];
	if (sessionCookie !== undefined) cookies.push(`technified_session=${sessionCookie}`);
	const callback = await documentedFetch(callbackUrl, { headers: { cookie: cookies.join("; ") } });
	return { start, signInCookie, callbackUrl, callback };
}

export async function signIn(gateway: TestGateway, discord: FakeDiscord, userId: string, previous?: OperatorClient): Promise<OperatorClient> {
	const { callback } = await signInLegs(gateway, discord, userId, previous?.sessionToken);
	if (callback.status !== 302) throw new Error(`sign-in of ${userId} failed: ${callback.status} ${JSON.stringify(callback.body)}`);
	const setCookie = callback.headers.get("set-cookie") ?? "";
	const sessionToken = cookieValue(setCookie, "technified_session")!;
	const client: OperatorClient = {
		userId,
		sessionToken,
		csrfToken: "",
		setCookie,
		async call(method, pathname, body, headers = {}) {
			const base: Record<string, string | null> = { cookie: `technified_session=${client.sessionToken}` };
			if (method !== "GET") Object.assign(base, { origin: gateway.url, "x-csrf-token": client.csrfToken });
			if (body !== undefined) base["content-type"] = "application/json";
			const merged = Object.entries({ ...base, ...headers }).filter((entry): entry is [string, string] => entry[1] !== null);
			return documentedFetch(`${gateway.url}/admin/v1${pathname}`, {
				method,
				headers: Object.fromEntries(merged),
				body: body === undefined ? undefined : JSON.stringify(body),
			});
		},
	};
	const me = await client.call("GET", "/me");
	if (me.status !== 200) throw new Error(`GET /me after sign-in answered ${me.status}`);
	client.csrfToken = me.body.data.csrf_token;
	return client;
}
