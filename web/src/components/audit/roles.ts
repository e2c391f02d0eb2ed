import type { Me } from "../../api/types";

/** Who may read the access log: the API answers 403 to everyone else. */
export const canReadAuditLog = (me: Me) => me.role === "privacy_officer" || me.role === "admin";
