/**
 * Names for the response shapes of the detector's JSON API.
 *
 * Every shape comes from `components.schemas` of the API's OpenAPI document,
 * through the types generated in `./openapi.ts` (`npm run types`); nothing here
 * is written by hand except the reading of free-form objects the schema leaves open.
 */
import type { components } from './openapi';

type Schemas = components['schemas'];

/** Schema `Error`: the body of every 4xx/5xx answer under /api. */
export type ApiErrorBody = Schemas['Error'];
export type ImageInfo = Schemas['ImageInfo'];
/** Only with `?explain=1`. */
export type Explanation = Schemas['Explanation'];
/** The answer of POST /api/predict for one image. */
export type Prediction = Schemas['Prediction'];
export type Label = Prediction['label'];
export type FileError = Schemas['FileError'];
export type BatchResults = Schemas['BatchResults'];
export type Health = Schemas['Health'];
export type Plot = Schemas['Plot'];
export type ModelCard = Schemas['ModelCard'];
export type ModelMetrics = NonNullable<ModelCard['metrics']>;
export type ClassMetrics = NonNullable<ModelMetrics['per_class']>[string];

/** The pixel model's answer, calibrated for the kind of input. */
export type ModelAssessment = Schemas['ModelAssessment'];
export type InputKindName = ModelAssessment['input_kind'];
/** Evidence in the file beyond its pixels. */
export type Provenance = Schemas['Provenance'];
export type ContentCredentials = Schemas['ContentCredentials'];
export type GeneratorMetadata = Schemas['GeneratorMetadata'];
/** China's GB 45438-2025 implicit AI label, when the file carries one. */
export type AiLabel = NonNullable<GeneratorMetadata['ai_label']>;
export type CameraMetadata = Schemas['CameraMetadata'];
export type Signer = Schemas['Signer'];
export type CredentialAction = Schemas['CredentialAction'];
export type ValidationFailure = Schemas['ValidationFailure'];
/** The one answer the product leads with. */
export type Verdict = Schemas['Verdict'];
/** A brought detector's answer on one picture (only measured detectors have one). */
export type DetectorEvidence = Schemas['DetectorEvidence'];
/** A calibrated-confidence band and how often answers in it were right on held-out pictures. */
export type Band = NonNullable<Schemas['Band']>;
/** A detector's state in GET /api/model: measured, not measured, failed, or the built-in model's card. */
export type DetectorStatus = Schemas['DetectorStatus'];
/** REAL, FAKE, or UNSURE: "can't tell". */
export type VerdictLabel = Verdict['label'];
export type VerdictBasis = Verdict['basis'];
/** The `decision` block of GET /api/model: threshold, unsure limit, input size, verdict rules. */
export type Decision = Schemas['Decision'];
export type InputKind = Schemas['InputKind'];

/**
 * The model card's `training` record is free-form in the schema; these are the
 * fields the About view shows when they are present.
 */
export interface ModelTraining {
  data?: string;
  train_images?: number;
  validation_images?: number;
  command?: string;
  epochs?: number;
  batch_size?: number;
  augmentation?: string;
  calibration?: string;
  wall_time_seconds?: number;
  hardware?: string;
  [key: string]: unknown;
}
