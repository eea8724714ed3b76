import type { UserConfig } from './config/types.js';

/**
 * Uids of cluster users. A user's uid must never change and never pass to someone else: files on the
 * shared storage belong to a uid, on every node. So it comes from the file (`users[].uid`) or from the
 * user's name, never from the position in `users[]`. Derived uids fall in [10000, 60000); the
 * validator reports two users that end up with the same uid.
 */
export const DERIVED_UID_MIN = 10_000;
export const DERIVED_UID_SPAN = 50_000;
/** Below this are the images' own accounts (the cloud's default user is 1000). */
export const USER_UID_MIN = 2000;
export const USER_UID_MAX = 65_533;

/** FNV-1a (32 bit) of the name's UTF-8 bytes: the same on every machine and every release. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The uid derived from a user name. */
export function derivedUid(name: string): number {
  return DERIVED_UID_MIN + (fnv1a(name) % DERIVED_UID_SPAN);
}

/** The uid a user gets: the file's, else the one derived from the name. */
export function userUid(user: Pick<UserConfig, 'name' | 'uid'>): number {
  return user.uid ?? derivedUid(user.name);
}
