/**
 * Cosine threshold for a same/different decision between two faces with the default development recognizer
 * (fr_feature, BGR input). Chosen by 10-fold cross-validation on the LFW dev-train pairs: see docs/accuracy.md.
 */
export const DEFAULT_VERIFY_THRESHOLD = 0.35;
