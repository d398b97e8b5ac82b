import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('satdifuser', { version: '0.1.0' });
