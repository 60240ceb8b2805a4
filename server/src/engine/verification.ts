/**
 * Cosine threshold for a same/different decision between two faces with the development recognizer
 * (fr_feature, BGR input, detector at 320 for portrait-sized images): the mean threshold of 10-fold
 * cross-validation on the 740 LFW dev-train pairs was 0.2188 (fold range 0.2167–0.2289); see docs/accuracy.md.
 * Other recognizers need their own calibration (`boostface verify --threshold`).
 */
export const DEFAULT_VERIFY_THRESHOLD = 0.22;
