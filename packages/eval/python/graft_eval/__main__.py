from graft_eval.server import main

if __name__ == "__main__":
    main()
