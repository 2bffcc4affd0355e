import type {
  ApiErrorBody,
  CameraMetadata,
  ContentCredentials,
  Decision,
  GeneratorMetadata,
  ModelAssessment,
  ModelCard,
  Prediction,
  Provenance,
} from '@/types/api';

/** A 1x1 transparent PNG, standing in for the API's 32x32 pictures. */
export const TINY_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export const TRAINED_ALGORITHMIC_MEDIA = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';

export const decision: Decision = {
  threshold: 0.5,
  input_size: 32,
  class_names: ['FAKE', 'REAL'],
  unsure_below: 0.65,
  verdict_rules: [
    'Trusted Content Credentials that declare the picture AI-generated or AI-edited decide: AI-generated.',
    'Otherwise, credentials that are valid but signed by an unknown certificate, or generator metadata, that declare AI decide: AI-generated, according to the file’s own metadata.',
    'Trusted Content Credentials that declare a camera capture decide: real photo.',
    'Invalid credentials decide nothing; camera metadata never decides.',
    'Otherwise the verdict is the pixel model’s guess.',
    'But when the model is unsure or the picture unlike those it was trained on, the verdict is can’t tell (UNSURE).',
  ],
  input_kinds: [
    {
      name: 'thumbnail',
      description: 'small pictures (at most 64 pixels on the longer side)',
      max_side: 64,
      temperature: 1.2,
      measured_accuracy: 0.978,
      measured_on: '20,000 CIFAKE test thumbnails',
      ece: 0.004,
      bands: [{ from: 0.5, to: 1, pictures: 20000, right: 19560, accuracy: 0.978 }],
    },
    {
      name: 'photo',
      description: 'larger pictures, like today’s photos and generated images',
      max_side: null,
      temperature: 3.1,
      measured_accuracy: 0.62,
      measured_on: '634 photos and AI pictures from 5 sources never used in training',
      ece: 0.031,
      bands: [
        { from: 0.5, to: 0.65, pictures: 600, right: 372, accuracy: 0.62 },
        { from: 0.65, to: 1, pictures: 34, right: 21, accuracy: 0.62 },
      ],
    },
  ],
};

const [thumbnailKind, photoKind] = decision.input_kinds;

/**
 * The pixel model's calibrated answer as the server would send it for P(REAL)
 * `probabilityReal` on a thumbnail (temperature 1 here, to keep the numbers readable).
 */
export function makeAssessment(probabilityReal: number, overrides: Partial<ModelAssessment> = {}): ModelAssessment {
  const label = probabilityReal > 0.5 ? 'REAL' : 'FAKE';
  const confidence = label === 'REAL' ? probabilityReal : 1 - probabilityReal;
  return {
    label,
    confidence,
    input_kind: 'thumbnail',
    input_kind_description: thumbnailKind.description,
    measured_accuracy: thumbnailKind.measured_accuracy,
    measured_on: thumbnailKind.measured_on,
    band: { from: 0.5, to: 1, pictures: 20000, accuracy: 0.978 },
    unsure: confidence < decision.unsure_below,
    out_of_distribution: false,
    note: confidence < decision.unsure_below ? 'The model is unsure about this picture: treat its guess as a coin toss.' : null,
    ...overrides,
  };
}

/** The same answer for a larger photo, where the model was measured right only 62% of the time. */
export function photoAssessment(confidence: number, overrides: Partial<ModelAssessment> = {}): Partial<ModelAssessment> {
  return {
    confidence,
    input_kind: 'photo',
    input_kind_description: photoKind.description,
    measured_accuracy: photoKind.measured_accuracy,
    measured_on: photoKind.measured_on,
    band: { from: 0.65, to: 1, pictures: 34, accuracy: 0.62 },
    unsure: confidence < decision.unsure_below,
    note: null,
    ...overrides,
  };
}

export const NO_CREDENTIALS: ContentCredentials = {
  present: false,
  state: null,
  summary: 'No Content Credentials: most pictures have none, so nothing follows from that.',
  strength: 'none',
  declares: null,
  signer: null,
  trust_list: null,
  claim_generator: null,
  signed_at: null,
  actions: [],
  failures: [],
};

export const NO_GENERATOR: GeneratorMetadata = {
  present: false,
  summary: 'No generator settings or AI labels in the file’s metadata.',
  strength: 'none',
  declares: null,
  generator: null,
  found_in: null,
  prompt_excerpt: null,
  digital_source_type: null,
  ai_label: null,
};

export const NO_CAMERA: CameraMetadata = {
  present: false,
  summary: 'No camera details in the file.',
  strength: 'none',
  make: null,
  model: null,
  captured_at: null,
  software: null,
};

export function makeProvenance(overrides: Partial<Provenance> = {}): Provenance {
  return {
    content_credentials: NO_CREDENTIALS,
    generator_metadata: NO_GENERATOR,
    camera_metadata: NO_CAMERA,
    note: 'Missing metadata proves nothing: most platforms and screenshots remove it.',
    ...overrides,
  };
}

/** Trusted credentials from a well-known generator, declaring the picture AI-generated. */
export const TRUSTED_AI_CREDENTIALS: ContentCredentials = {
  present: true,
  state: 'trusted',
  summary: 'Signed Content Credentials from a trusted signer say this picture was made by AI.',
  strength: 'decisive',
  declares: 'ai_generated',
  signer: { issuer: 'Example Trust Services', common_name: 'Example Image Generator' },
  trust_list: 'C2PA trust list',
  claim_generator: 'Example Image Generator 3.1',
  signed_at: '2026-11-20T10:15:00Z',
  actions: [
    {
      action: 'c2pa.created',
      digital_source_type: TRAINED_ALGORITHMIC_MEDIA,
      meaning: 'Created by a generative AI model',
    },
  ],
  failures: [],
};

export const INVALID_CREDENTIALS: ContentCredentials = {
  ...TRUSTED_AI_CREDENTIALS,
  state: 'invalid',
  summary: 'The Content Credentials do not match this picture, so they decide nothing.',
  strength: 'none',
  trust_list: null,
  failures: [{ code: 'assertion.dataHash.mismatch', explanation: 'the picture was changed after it was signed' }],
};

export const SD_METADATA: GeneratorMetadata = {
  present: true,
  summary: 'The file’s own metadata says it was made with Stable Diffusion web UI (AUTOMATIC1111).',
  strength: 'strong',
  declares: 'ai_generated',
  generator: 'Stable Diffusion web UI (AUTOMATIC1111)',
  found_in: "PNG text chunk 'parameters'",
  prompt_excerpt: 'a lighthouse at dusk, oil painting',
  digital_source_type: null,
  ai_label: null,
};

/** China's GB 45438-2025 AI label with Label 2: a platform passed the picture on, its poster said it is AI. */
export const POSSIBLY_AI_LABEL: GeneratorMetadata = {
  present: true,
  summary:
    'The file carries China’s GB 45438-2025 AI label (XMP TC260:AIGC): Label 2, possibly generated by AI, passed on by 001191440300MA5YYYYYYY00000: a weaker declaration, which does not settle whether the picture is AI-generated.',
  strength: 'weak',
  declares: null,
  generator: null,
  found_in: 'XMP TC260:AIGC',
  prompt_excerpt: null,
  digital_source_type: null,
  ai_label: {
    label: '2',
    meaning: 'possibly generated by AI',
    declares: null,
    content_producer: null,
    produce_id: null,
    content_propagator: '001191440300MA5YYYYYYY00000',
    propagate_id: 'p-42',
    found_in: 'XMP TC260:AIGC',
  },
};

export const CANON_EXIF: CameraMetadata = {
  present: true,
  summary: 'The file names a camera. This is a weak hint only: it is easy to remove or fake.',
  strength: 'weak',
  make: 'Canon',
  model: 'EOS R5',
  captured_at: '2025:06:01 09:12:44',
  software: null,
};

/**
 * A result from the model alone: the verdict's basis is the model, its
 * confidence the calibrated one, and, as the server says, "can't tell"
 * (UNSURE, leaning the model's way) when the model is unsure or the picture
 * unlike its training pictures. Override parts with `overrides`.
 */
export function makePrediction(probabilityReal: number, overrides: Partial<Prediction> = {}): Prediction {
  const assessment = { ...makeAssessment(probabilityReal), ...overrides.model_assessment };
  const label = probabilityReal > 0.5 ? 'REAL' : 'FAKE';
  const what = label === 'REAL' ? 'a real photo' : 'AI-generated';
  const cantTell = assessment.unsure || assessment.out_of_distribution;
  return {
    filename: 'photo.png',
    label,
    probability_real: probabilityReal,
    confidence: label === 'REAL' ? probabilityReal : 1 - probabilityReal,
    threshold: 0.5,
    model_version: '2026.11.22',
    inference_ms: 1.8,
    image: { width: 640, height: 480, format: 'PNG' },
    explanation: {
      method: 'grad-cam',
      grid: [
        [0, 0.5],
        [1, 0.25],
      ],
      heatmap_png: `${TINY_PNG}#heat`,
      model_input_png: `${TINY_PNG}#input`,
    },
    model_assessment: assessment,
    provenance: makeProvenance(),
    detectors: [],
    verdict: {
      label: cantTell ? 'UNSURE' : label,
      basis: 'model',
      summary: cantTell
        ? 'Can’t tell: the pixel model is unsure about this picture, and nothing in the file’s metadata settles the question.'
        : `Nothing in the file settles it, so this is the pixel model’s guess: ${what}.`,
      lean: cantTell ? assessment.label : null,
      confidence: assessment.confidence,
      measured_accuracy: assessment.measured_accuracy,
      pixel_evidence: 'builtin',
    },
    ...overrides,
  };
}

/** A picture whose trusted Content Credentials declare it AI-generated, whatever the model says. */
export function signedAiPrediction(probabilityReal = 0.9, overrides: Partial<Prediction> = {}): Prediction {
  return makePrediction(probabilityReal, {
    provenance: makeProvenance({ content_credentials: TRUSTED_AI_CREDENTIALS }),
    verdict: {
      label: 'FAKE',
      basis: 'content_credentials',
      summary: 'AI-generated: its Content Credentials, signed by Example Image Generator and verified, say so.',
      lean: null,
      confidence: null,
      measured_accuracy: null,
      pixel_evidence: null,
    },
    ...overrides,
  });
}

/** A PNG whose Stable Diffusion settings say it was generated. */
export function generatorMetadataPrediction(probabilityReal = 0.8, overrides: Partial<Prediction> = {}): Prediction {
  return makePrediction(probabilityReal, {
    provenance: makeProvenance({ generator_metadata: SD_METADATA }),
    verdict: {
      label: 'FAKE',
      basis: 'metadata',
      summary: 'AI-generated, according to the file’s own metadata (Stable Diffusion web UI settings).',
      lean: null,
      confidence: null,
      measured_accuracy: null,
      pixel_evidence: null,
    },
    ...overrides,
  });
}

export function errorBody(code: number, name: string, description: string): ApiErrorBody {
  return { code, name, description };
}

export const modelCard: ModelCard = {
  name: 'cifake-cnn',
  version: '2026.11.22',
  description: 'Tells a real photograph (CIFAR-10) from an image made by Stable Diffusion 1.4 (CIFAKE).',
  class_names: ['FAKE', 'REAL'],
  positive_class: 'REAL',
  threshold: 0.5,
  parameters: 575201,
  file_size_bytes: 2380808,
  training: {
    data: 'CIFAKE train split: 50,000 REAL + 50,000 FAKE, 10% held out for validation',
    epochs: 30,
    train_images: 90000,
    hardware: 'CPU only, 2 cores',
    wall_time_seconds: 4000,
  },
  metrics: {
    test_images: 20000,
    accuracy: 0.9612,
    roc_auc: 0.993,
    ece: 0.012,
    per_class: {
      FAKE: { precision: 0.97, recall: 0.95, f1: 0.96, support: 10000 },
      REAL: { precision: 0.95, recall: 0.97, f1: 0.96, support: 10000 },
    },
    confusion_matrix: {
      labels: ['FAKE', 'REAL'],
      matrix: [
        [9500, 500],
        [300, 9700],
      ],
    },
    jpeg_robustness: [
      { quality: 95, accuracy: 0.95 },
      { quality: 40, accuracy: 0.91 },
    ],
  },
  limitations: [
    'Every upload is shrunk to 32x32 pixels before the model sees it, so detail in large photos is lost.',
    'On today’s larger photos the model is right far less often than on thumbnails.',
  ],
  plots: [{ name: 'roc_curve', title: 'ROC curve', url: '/api/model/plots/roc_curve.png' }],
  decision,
  detectors: [
    {
      name: 'builtin',
      format: 'builtin',
      state: 'model_card',
      reason: 'figures from the model card',
      lead_rank: null,
      measurement: null,
    },
  ],
};
