from autotrader.cli import main

main()
