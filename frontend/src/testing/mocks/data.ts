import type { ApiErrorBody, ModelCard, Prediction } from '@/types/api';

/** A 1x1 transparent PNG, standing in for the API's 32x32 pictures. */
export const TINY_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export function makePrediction(probabilityReal: number, overrides: Partial<Prediction> = {}): Prediction {
  const label = probabilityReal > 0.5 ? 'REAL' : 'FAKE';
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
    ...overrides,
  };
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
  limitations: ['Every upload is shrunk to 32x32 pixels before the model sees it, so detail in large photos is lost.'],
  plots: [{ name: 'roc_curve', title: 'ROC curve', url: '/api/model/plots/roc_curve.png' }],
};
