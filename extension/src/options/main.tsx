import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ErrorBoundary } from '@/components/ErrorBoundary';
import { ErrorFallback } from '@/components/ErrorFallback';
import '@/styles/global.css';
import '@ext/styles/extension.css';
import { OptionsPage } from './OptionsPage';

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');

createRoot(root).render(
  <StrictMode>
    <ErrorBoundary FallbackComponent={ErrorFallback}>
      <OptionsPage />
    </ErrorBoundary>
  </StrictMode>,
);
