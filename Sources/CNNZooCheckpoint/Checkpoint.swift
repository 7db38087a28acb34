import CNNZoo
