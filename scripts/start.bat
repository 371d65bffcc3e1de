@echo off
rem Set up (first time) and start the dashboard on Windows. Needs Python 3.11+ on PATH.
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe python -m venv .venv
.venv\Scripts\python -m pip install -q -r requirements.txt
.venv\Scripts\streamlit run app.py
