/**
 * Response shapes of the detector's JSON API.
 *
 * They mirror `components.schemas` of the API's OpenAPI 3.1 document
 * (GET /api/openapi.json); keep the two in step.
 */

export type Label = 'REAL' | 'FAKE';

/** Schema `Error`: the body of every 4xx/5xx answer under /api. */
export interface ApiErrorBody {
  code: number;
  name: string;
  description: string;
}

/** Schema `ImageInfo`. */
export interface ImageInfo {
  width: number;
  height: number;
  /** Pillow's format name, e.g. JPEG, PNG, GIF, WEBP. */
  format: string;
}

/** Schema `Explanation` (only with `?explain=1`). */
export interface Explanation {
  method: 'grad-cam';
  /** Heat in 0..1, rows from top to bottom, over the whole image. */
  grid: number[][];
  /** 32x32 RGBA PNG data URL: red whose opacity is the heat; stretch it over the whole image. */
  heatmap_png: string;
  /** 32x32 RGB PNG data URL: the picture the model saw. */
  model_input_png: string;
}

/** Schema `Prediction`: the answer of POST /api/predict for one image. */
export interface Prediction {
  filename: string | null;
  label: Label;
  /** The model's probability that the image is a real photograph. */
  probability_real: number;
  /** Probability of the returned label: max(p, 1 - p). */
  confidence: number;
  /** The label is REAL iff probability_real > threshold. */
  threshold: number;
  model_version: string;
  inference_ms: number;
  image: ImageInfo;
  explanation?: Explanation;
}

/** Schema `FileError`: one failed file inside `BatchResults`. */
export interface FileError {
  filename: string | null;
  error: ApiErrorBody;
}

/** Schema `BatchResults`: the answer of POST /api/predict for several images. */
export interface BatchResults {
  results: Array<Prediction | FileError>;
}

/** Schema `Health`: GET /api/health. */
export interface Health {
  status: 'ok';
  model_loaded: boolean;
  model_version: string;
}

/** Schema `Plot`: an evaluation plot listed in the model card. */
export interface Plot {
  name: string;
  title: string;
  /** Path of the PNG on the API, e.g. /api/model/plots/roc_curve.png. */
  url: string;
}

export interface ClassMetrics {
  precision?: number;
  recall?: number;
  f1?: number;
  support?: number;
}

export interface ModelMetrics {
  test_images?: number;
  accuracy?: number;
  roc_auc?: number;
  ece?: number;
  per_class?: Record<string, ClassMetrics>;
  confusion_matrix?: { labels?: string[]; matrix?: number[][] };
  jpeg_robustness?: Array<{ quality: number; accuracy: number }>;
}

/** Free-form in the OpenAPI document; these are the fields the app shows when present. */
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

/** Schema `ModelCard`: GET /api/model. */
export interface ModelCard {
  name?: string;
  version: string;
  description?: string;
  class_names?: string[];
  positive_class?: string;
  threshold: number;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  parameters?: number;
  file_size_bytes?: number;
  training?: ModelTraining;
  metrics?: ModelMetrics;
  library_versions?: Record<string, string>;
  limitations: string[];
  plots: Plot[];
}
