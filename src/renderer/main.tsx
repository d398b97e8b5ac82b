// Renderer entry: connect to the engine (preload bridge in Electron, WebSocket in web mode) and start the app.
import { createRoot } from 'react-dom/client';
import './styles/app.css';
import { App } from './App';
import { connectEngine, desktopBridge } from './client/connect';
import { AppModel } from './state/appModel';
import { errorText } from './components/ErrorMessage';

const root = createRoot(document.getElementById('root')!);
try {
  const model = new AppModel(connectEngine(), desktopBridge());
  (window as unknown as { __sdfModel?: AppModel }).__sdfModel = model;
  root.render(<App model={model} />);
} catch (e) {
  const { message, hint } = errorText(e);
  root.render(
    <div className="fatal" role="alert">
      <h1>SatDiFuser Studio cannot start</h1>
      <p>{message}</p>
      {hint && <p>{hint}</p>}
    </div>,
  );
}
