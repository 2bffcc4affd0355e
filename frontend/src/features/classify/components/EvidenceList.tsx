import { useId, type ReactNode } from 'react';
import {
  accuracySentence,
  BUILTIN_DETECTOR,
  confidenceLevel,
  confidenceText,
  COMBINED_DETECTORS,
  formatPercent,
  modelSentence,
  pixelEvidenceName,
  toneOf,
} from '@/lib/verdict';
import type {
  AiLabel,
  CameraMetadata,
  ContentCredentials,
  DetectorEvidence,
  GeneratorMetadata,
  ModelAssessment,
  Prediction,
} from '@/types/api';
import { ProbabilityBar } from './ProbabilityBar';

/** How much a finding weighs, in words. */
const STRENGTH_TEXT = {
  decisive: 'settles the question',
  strong: 'strong evidence',
  weak: 'weak hint only',
  none: 'proves nothing either way',
} as const;

const DECLARES_TEXT = {
  ai_generated: 'made by AI',
  ai_edited: 'edited with AI',
  captured: 'captured with a camera',
} as const;

type Strength = keyof typeof STRENGTH_TEXT;

const LABEL_IN_SENTENCE = { REAL: 'real photo', FAKE: 'AI-generated' } as const;

/** The trust line already says the signer is unknown; the failure list keeps the other problems. */
const SAID_BY_TRUST_LINE = 'signingCredential.untrusted';

interface EvidenceItemProps {
  title: string;
  /** Present or absent, in a few words. */
  status: string;
  found: boolean;
  strength?: Strength;
  children?: ReactNode;
}

function EvidenceItem({ title, status, found, strength, children }: EvidenceItemProps) {
  const titleId = useId();
  return (
    <li className={`evidence ${found ? 'is-found' : 'is-absent'}`} aria-labelledby={titleId}>
      <p className="evidence-head">
        <span className="evidence-title" id={titleId}>
          {title}
        </span>
        <span className="evidence-status">{status}</span>
        {found && strength && <span className={`evidence-strength strength-${strength}`}>{STRENGTH_TEXT[strength]}</span>}
      </p>
      {children}
    </li>
  );
}

function Facts({ facts }: { facts: Array<[string, ReactNode]> }) {
  const shown = facts.filter(([, value]) => value !== null && value !== undefined && value !== '');
  if (shown.length === 0) return null;
  return (
    <dl className="evidence-facts">
      {shown.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function credentialStatus(credentials: ContentCredentials): string {
  if (!credentials.present) return 'None found';
  switch (credentials.state) {
    case 'trusted':
      return 'Present and verified';
    case 'untrusted':
      return 'Present, signer not on a trust list';
    case 'invalid':
      return 'Present but invalid';
    default:
      return 'Present';
  }
}

/** The organisation in the signing certificate, with the certificate's own name when it differs. */
function signerText(credentials: ContentCredentials): string | null {
  const signer = credentials.signer;
  if (!signer) return null;
  const { common_name: name, issuer: organisation } = signer;
  if (name && organisation && organisation !== name) return `${organisation} (certificate “${name}”)`;
  return organisation ?? name;
}

function ContentCredentialsItem({ credentials }: { credentials: ContentCredentials }) {
  const trust =
    credentials.trust_list ??
    (credentials.state === 'untrusted' ? 'Not on the C2PA trust list: the signer is unknown' : null);
  const problems = credentials.failures.filter((failure) => failure.code !== SAID_BY_TRUST_LINE);
  return (
    <EvidenceItem
      title="Content Credentials"
      status={credentialStatus(credentials)}
      found={credentials.present}
      strength={credentials.strength}
    >
      <p className="evidence-text">{credentials.summary}</p>
      {credentials.present && (
        <Facts
          facts={[
            ['Signed by', signerText(credentials)],
            ['Trust list', trust],
            ['Declares the picture', credentials.declares ? DECLARES_TEXT[credentials.declares] : null],
            ['Written by', credentials.claim_generator],
            ['Signed on', credentials.signed_at],
            [
              'Actions',
              credentials.actions.length > 0 ? (
                <ul className="evidence-sublist">
                  {credentials.actions.map((action, index) => (
                    <li key={`${action.action}-${index}`}>{action.meaning ?? action.action}</li>
                  ))}
                </ul>
              ) : null,
            ],
            [
              'Problems',
              problems.length > 0 ? (
                <ul className="evidence-sublist">
                  {problems.map((failure, index) => (
                    <li key={`${failure.code}-${index}`}>{failure.explanation}</li>
                  ))}
                </ul>
              ) : null,
            ],
          ]}
        />
      )}
    </EvidenceItem>
  );
}

/** What the generator line is found to be, in a few words: the generator, else China's AI label. */
function generatorStatus(metadata: GeneratorMetadata): string {
  if (!metadata.present) return 'None found';
  if (metadata.generator) return `Found: ${metadata.generator}`;
  return metadata.ai_label ? 'Found: China’s AI label' : 'Found';
}

/** The label's value and meaning, e.g. "2: possibly generated by AI". */
function aiLabelText(label: AiLabel | null): string | null {
  return label ? `${label.label}: ${label.meaning}` : null;
}

function GeneratorItem({ metadata }: { metadata: GeneratorMetadata }) {
  const label = metadata.ai_label;
  return (
    <EvidenceItem
      title="Generator metadata"
      status={generatorStatus(metadata)}
      found={metadata.present}
      strength={metadata.strength}
    >
      <p className="evidence-text">{metadata.summary}</p>
      {metadata.present && (
        <Facts
          facts={[
            ['Generator', metadata.generator],
            ['Declares the picture', metadata.declares ? DECLARES_TEXT[metadata.declares] : null],
            ['AI label (GB 45438-2025)', aiLabelText(label)],
            ['Content producer', label?.content_producer],
            ['Producer’s number', label?.produce_id],
            ['Passed on by', label?.content_propagator],
            ['Platform’s number', label?.propagate_id],
            ['Found in', metadata.found_in],
            ['Prompt', metadata.prompt_excerpt ? `“${metadata.prompt_excerpt}”` : null],
          ]}
        />
      )}
    </EvidenceItem>
  );
}

function CameraItem({ metadata }: { metadata: CameraMetadata }) {
  const camera = [metadata.make, metadata.model].filter(Boolean).join(' ');
  return (
    <EvidenceItem
      title="Camera metadata"
      status={metadata.present ? `Found${camera ? `: ${camera}` : ''}` : 'None found'}
      found={metadata.present}
      strength={metadata.strength}
    >
      <p className="evidence-text">{metadata.summary}</p>
      {metadata.present && (
        <Facts
          facts={[
            ['Camera', camera || null],
            ['Taken', metadata.captured_at],
            ['Software', metadata.software],
          ]}
        />
      )}
    </EvidenceItem>
  );
}

interface ModelItemProps {
  result: Prediction;
  inputSize: number | null;
  heatmap: ReactNode;
}

function modelStatus(assessment: ModelAssessment): string {
  const level = confidenceLevel(assessment);
  const label = LABEL_IN_SENTENCE[assessment.label];
  return level === 'unsure' ? `Leans ${label}, unsure` : `Says ${label}, ${confidenceText(level).toLowerCase()}`;
}

function ModelItem({ result, inputSize, heatmap }: ModelItemProps) {
  const { verdict, model_assessment: assessment } = result;
  const decidedElsewhere = verdict.basis !== 'model';
  const ledByDetector = !decidedElsewhere && !!verdict.pixel_evidence && verdict.pixel_evidence !== BUILTIN_DETECTOR;
  const tone = toneOf(assessment.label, confidenceLevel(assessment) === 'unsure');
  const size = inputSize ? `${inputSize}×${inputSize}` : 'tiny';
  return (
    <EvidenceItem title="Pixel model" status={modelStatus(assessment)} found>
      <p className="evidence-text">{modelSentence(assessment)}</p>
      <p className="evidence-text">{accuracySentence(assessment)}</p>
      {assessment.measured_on && <p className="hint">Measured on {assessment.measured_on}.</p>}
      {(assessment.out_of_distribution || assessment.note) && (
        <p className="evidence-warning">
          {assessment.note ?? 'This picture is unlike the pictures the model was trained on, so its guess says little here.'}
        </p>
      )}
      {ledByDetector && (
        <p className="evidence-text">
          The verdict above rests on {pixelEvidenceName(verdict.pixel_evidence)}, not on this model’s guess.
        </p>
      )}
      {decidedElsewhere && (
        <p className="evidence-text">
          {verdict.label === result.label
            ? 'The verdict above does not rest on this guess.'
            : 'The model’s guess differs from the verdict above, which rests on the file’s own evidence, not on this guess.'}
        </p>
      )}
      <ProbabilityBar probabilityReal={result.probability_real} threshold={result.threshold} tone={tone} />
      <p className="legend">
        The model’s raw output on the {size} picture it saw; the line marks the {result.threshold} threshold, above which
        it says “real photo”.
      </p>
      {heatmap}
    </EvidenceItem>
  );
}

const KIND_PLURAL = { thumbnail: 'thumbnails', photo: 'photos' } as const;

/** How often a detector's answers like this one were right, in words, or why that is not known. */
function bandSentence(line: DetectorEvidence): string {
  const { band } = line;
  if (!line.kind_measured) return line.note ?? `It was not measured on ${KIND_PLURAL[line.input_kind]}.`;
  if (!band || band.accuracy === null) {
    return `How often it is right at this confidence on ${KIND_PLURAL[line.input_kind]} has not been measured, so it decides nothing.`;
  }
  const range = `${formatPercent(band.from)}–${formatPercent(band.to)}`;
  return `On sources it never saw, its answers on ${KIND_PLURAL[line.input_kind]} at ${range} confidence were right ${formatPercent(band.accuracy)} of the time (${band.pictures.toLocaleString('en')} pictures).`;
}

/** One brought detector's line: its lean, how often such answers were right on held-out sources, and whether the verdict rests on it. */
function DetectorItem({ line, leads }: { line: DetectorEvidence; leads: boolean }) {
  const title = line.name === COMBINED_DETECTORS ? 'Combined detectors' : `Detector: ${line.name}`;
  if (line.label === null || line.confidence === null) {
    return (
      <EvidenceItem title={title} status="Skipped" found={false}>
        <p className="evidence-text">{line.note}</p>
      </EvidenceItem>
    );
  }
  const status = `Leans ${LABEL_IN_SENTENCE[line.label]} (${formatPercent(line.confidence)})${line.unsure ? ', unsure' : ''}`;
  return (
    <EvidenceItem title={title} status={status} found>
      <p className="evidence-text">{bandSentence(line)}</p>
      {line.combines && <p className="hint">Stacks {line.combines.join(' and ')}, fitted across held-out sources.</p>}
      {line.measured_on && <p className="hint">Measured on {line.measured_on}.</p>}
      {line.mean_source_roc_auc !== null && (
        <p className="hint">Mean ROC-AUC per held-out source: {line.mean_source_roc_auc.toFixed(2)} (0.5 is chance).</p>
      )}
      {leads && <p className="evidence-text">The verdict above rests on this detector.</p>}
    </EvidenceItem>
  );
}

interface EvidenceListProps {
  result: Prediction;
  inputSize: number | null;
  /** The heatmap switch, shown with the pixel model. */
  heatmap: ReactNode;
}

/**
 * Each line of evidence on its own: Content Credentials, generator metadata,
 * camera metadata, then the pixel model's guess and each measured detector's,
 * each present or absent in words.
 */
export function EvidenceList({ result, inputSize, heatmap }: EvidenceListProps) {
  const headingId = useId();
  const { provenance } = result;
  return (
    // Not a <section>: one region landmark per result card would repeat the name "Evidence" (landmark-unique).
    <div className="evidence-section">
      <h4 id={headingId} className="evidence-heading">
        Evidence
      </h4>
      <ul className="evidence-list" aria-labelledby={headingId}>
        <ContentCredentialsItem credentials={provenance.content_credentials} />
        <GeneratorItem metadata={provenance.generator_metadata} />
        <CameraItem metadata={provenance.camera_metadata} />
        <ModelItem result={result} inputSize={inputSize} heatmap={heatmap} />
        {result.detectors.map((line) => (
          <DetectorItem key={line.name} line={line} leads={result.verdict.pixel_evidence === line.name} />
        ))}
      </ul>
      <p className="evidence-note">{provenance.note}</p>
    </div>
  );
}
