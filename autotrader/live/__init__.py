"""The live stage: wires the engine and tapes to ``broker.kiwoom`` for live sessions."""
