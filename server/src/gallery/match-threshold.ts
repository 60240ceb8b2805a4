/**
 * Default open-set match threshold (cosine) for 1:N identification: a face is reported as the best-matching enrolled
 * identity only when that identity's score is at least this, otherwise as unknown.
 *
 * Calibrated by `npm run --silent eval:identification` (server/src/eval/identification-eval.ts; protocol and figures in
 * docs/accuracy.md, "1:N identification") as the threshold giving FPIR = 1% on the pooled development sets — LFW
 * dev-train subset, TV cast chips and press photos of ../shared/data, two folds, galleries of 2 to 173 people:
 * 2,125 impostor probes (21 false alarms allowed), 553 genuine probes. Measured threshold 0.418677 (achieved FPIR
 * 21/2125 = 0.99%, TPIR 97.47%), rounded up to 3 decimals so that FPIR stays ≤ 1%: at 0.419, FPIR 20/2125 = 0.94%,
 * TPIR 539/553 = 97.47%, closed-set rank-1 98.92%. Engine: scrfd_2.5g_bnkps + fr_feature_dynbatch.
 *
 * It is much higher than the 1:1 verification threshold (DEFAULT_VERIFY_THRESHOLD = 0.22): a probe is compared with
 * every enrolled identity and only the best score counts, so the impostor tail grows with the gallery (median best
 * impostor score 0.27 here). Larger galleries need a higher threshold for the same FPIR.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.419;
