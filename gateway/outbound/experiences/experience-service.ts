// gateway/outbound/experiences/experience-service.ts
// A guild's linked Roblox experiences for the admin API: link with an Open Cloud key (sealed), change, unlink, list.

import type { z } from "zod";
import type { createExperienceBody, experienceRecord, updateExperienceBody } from "../outbound-schemas";
import { ApiError, notFound } from "../../platform/http/envelope";
import type { AuditDetails, ChangedBy } from "../../keys/key-store";
import { OPEN_CLOUD_KEY_PURPOSE } from "../queue/delivery-worker";
import type { StoredExperience } from "./experience-store";
import { changeLogHead, outboundAudit, type OutboundParts } from "../webhooks/webhook-service";

type ExperienceRecord = z.infer<typeof experienceRecord>;

/** Characters of an Open Cloud key shown back: enough to tell keys apart, far too few to use. */
const SHOWN_KEY_CHARACTERS = 8;

const experienceNotFound = () => notFound("Experience not linked");

/** What the audit says of a link: the key by its prefix only. */
const linkDetails = (link: StoredExperience): AuditDetails => ({
	universe_id: link.universeId,
	key_prefix: link.keyPrefix,
	exclude_alt_accounts: link.excludeAltAccounts,
});

function toExperienceRecord(link: StoredExperience): ExperienceRecord {
	return {
		universe_id: link.universeId,
		key_prefix: link.keyPrefix,
		exclude_alt_accounts: link.excludeAltAccounts,
		status: link.status,
		last_error: link.lastError,
		last_mirrored_at: link.lastMirroredAt,
		created_at: Math.floor(link.createdAt / 1000),
		push_status: link.pushStatus,
		push_error: link.pushError,
		last_pushed_at: link.lastPushedAt,
	};
}

export class ExperienceService {
	constructor(private readonly parts: OutboundParts) {}

	async link(guildId: string, body: z.output<typeof createExperienceBody>, by: ChangedBy): Promise<ExperienceRecord> {
		const { experiences: store, secrets, feed, clock } = this.parts;
		const link: StoredExperience = {
			guildId,
			universeId: body.universe_id,
			sealedKey: secrets.seal(body.api_key, OPEN_CLOUD_KEY_PURPOSE),
			keyPrefix: body.api_key.slice(0, SHOWN_KEY_CHARACTERS),
			excludeAltAccounts: body.exclude_alt_accounts,
			status: "ok",
			lastError: null,
			lastMirroredAt: null,
			createdAt: clock(),
			// Proven by the first publish, queued with the link.
			pushStatus: "unknown",
			pushError: null,
			lastPushedAt: null,
		};
		if (!(await store.createExperience(link, await changeLogHead(feed, guildId), outboundAudit("experience_linked", linkDetails(link), by, clock)))) {
			throw new ApiError(409, "experience_already_linked", "This universe is already linked to the guild; change it with PATCH");
		}
		this.parts.wake();
		return toExperienceRecord(link);
	}

	async list(guildId: string): Promise<ExperienceRecord[]> {
		return (await this.parts.experiences.listExperiences(guildId)).map(toExperienceRecord);
	}

	/**
	 * A new key makes a failing link `ok` again: mirroring resumes with the next ban. Its push is
	 * `unknown` again until a first publish with it answers; servers poll meanwhile.
	 */
	async update(guildId: string, universeId: string, body: z.output<typeof updateExperienceBody>, by: ChangedBy): Promise<ExperienceRecord> {
		const { experiences: store, secrets, feed, clock } = this.parts;
		const current = await store.getExperience(guildId, universeId);
		if (current === undefined) throw experienceNotFound();
		const next: StoredExperience = {
			...current,
			excludeAltAccounts: body.exclude_alt_accounts ?? current.excludeAltAccounts,
			...(body.api_key === undefined
				? {}
				: {
						sealedKey: secrets.seal(body.api_key, OPEN_CLOUD_KEY_PURPOSE),
						keyPrefix: body.api_key.slice(0, SHOWN_KEY_CHARACTERS),
						status: "ok" as const,
						lastError: null,
						pushStatus: "unknown" as const,
						pushError: null,
					}),
		};
		const keyReplaced = body.api_key !== undefined;
		const audit = outboundAudit("experience_updated", { ...linkDetails(next), key_replaced: keyReplaced }, by, clock);
		// A data store that cannot be read costs the proving message its sequence, not the new key: 0 tells servers nothing new.
		const probeSeq = keyReplaced ? await changeLogHead(feed, guildId).catch(() => 0) : undefined;
		if (!(await store.updateExperience(next, audit, probeSeq))) throw experienceNotFound();
		if (keyReplaced) {
			this.parts.onLinksChanged?.();
			this.parts.wake();
		}
		return toExperienceRecord(next);
	}

	async unlink(guildId: string, universeId: string, by: ChangedBy): Promise<void> {
		const audit = outboundAudit("experience_unlinked", { universe_id: universeId }, by, this.parts.clock);
		if (!(await this.parts.experiences.deleteExperience(guildId, universeId, audit))) throw experienceNotFound();
		this.parts.onLinksChanged?.();
	}
}
