import { AdaptConfigError } from "./adapt-config-error.js";
import { closestName } from "./config-schema.js";

/** The keys of a config file that select and hold profiles; they are not part of the config itself. */
export const PROFILE_KEYS = ["profiles", "defaultProfile"] as const;

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** `overlay` over `base`: mappings merge key by key, anything else (lists included) replaces. */
export function mergeProfile(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) merged[key] = isMapping(value) && isMapping(base[key]) ? mergeProfile(base[key], value) : value;
  return merged;
}

/**
 * A config file's `profiles` (named overlays, e.g. `cpu` and `gpu`) resolved: the one named by
 * `profile`, else by the file's `defaultProfile`, merged over the rest of the file. A file without
 * profiles is returned as it is (less nothing), unless a profile was asked for: that is an error,
 * as is a name the file does not define (with the closest one).
 */
export function applyProfile(raw: unknown, path: string, profile: string | undefined): { raw: unknown; profile?: string } {
  if (!isMapping(raw)) {
    if (profile !== undefined) throw new AdaptConfigError({ path, field: "profiles", message: `--profile ${profile} given, but the file is not a mapping` });
    return { raw };
  }
  const { profiles, defaultProfile, ...rest } = raw;
  if (profiles !== undefined && !isMapping(profiles))
    throw new AdaptConfigError({ path, field: "profiles", message: "must be a mapping from profile names to partial configs (e.g. cpu: {...}, gpu: {...})" });
  if (defaultProfile !== undefined && (typeof defaultProfile !== "string" || defaultProfile === ""))
    throw new AdaptConfigError({ path, field: "defaultProfile", message: "must be the name of one of profiles" });
  const names = Object.keys(profiles ?? {});
  const chosen = profile ?? (defaultProfile as string | undefined);
  if (chosen === undefined) return { raw: rest };
  if (names.length === 0)
    throw new AdaptConfigError({
      path,
      field: profile !== undefined ? "profiles" : "defaultProfile",
      message: `profile ${JSON.stringify(chosen)} asked for, but the file defines no profiles; drop ${profile !== undefined ? "--profile" : "defaultProfile"} or add a profiles section`,
    });
  const overlay = (profiles as Record<string, unknown>)[chosen];
  if (overlay === undefined) {
    const suggestion = closestName(chosen, names);
    throw new AdaptConfigError({
      path,
      field: profile !== undefined ? "profiles" : "defaultProfile",
      message: `no profile ${JSON.stringify(chosen)}${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; the file defines ${names.join(", ")}`,
    });
  }
  if (!isMapping(overlay))
    throw new AdaptConfigError({ path, field: `profiles.${chosen}`, message: "must be a mapping (a partial config merged over the file)" });
  return { raw: mergeProfile(rest, overlay), profile: chosen };
}
