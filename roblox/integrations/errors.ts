// roblox/integrations/errors.ts
// A Technified error as a moderator should read it in an admin system: the module's own words, without the
// script position Luau puts in front.

export function errorInWords(problem: unknown): string {
	const text = tostring(problem);
	const [words] = text.match("%[Technified%].*$");
	return typeIs(words, "string") ? words : text;
}
